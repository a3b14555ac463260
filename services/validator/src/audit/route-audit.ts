/** What a route needs of the audit history: the recorder (null when the history is off) and the purpose policy. */
import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import type { AuditAsker, AuditRecorder } from './audit-recorder.js';
import { OPEN_PURPOSES, type PurposePolicy } from './purpose.js';

export interface RouteAudit {
  recorder: AuditRecorder | null;
  purposes: PurposePolicy;
}

export const NO_AUDIT: RouteAudit = Object.freeze({ recorder: null, purposes: OPEN_PURPOSES });

export function askerOf(c: Context<AppEnv>, purpose: string | null): AuditAsker {
  return { requestId: c.get('requestId'), apiKeyId: c.get('apiKeyId') ?? null, purpose };
}
