/**
 * The `purpose` a caller gives for a question, recorded in the audit history: one of the standard three
 * (`signature_verification`, `liveness_check`, `death_check`) or free text. With `audit.purposes` configured only the standard
 * three and that list are taken; with `audit.requirePurpose` a question without one is refused. The status GET and the batch take
 * it as the query parameter `purpose`; /v1/validate and /v1/verify as the body field `auditPurpose` (/v1/verify's `purpose` is
 * the kind of signature: document or login).
 */
import type { AuditConfig } from '@jpki-validator/config';
import { ProblemError } from '../problem.js';

export const STANDARD_PURPOSES = ['signature_verification', 'liveness_check', 'death_check'] as const;

/** free text: 1–64 characters, none of them a control character (C0 or DEL) */
function plainText(value: string): boolean {
  if (value.length < 1 || value.length > 64) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

export interface PurposePolicy {
  /** null: any purpose text is taken */
  allowed: ReadonlySet<string> | null;
  required: boolean;
}

export const OPEN_PURPOSES: PurposePolicy = Object.freeze({ allowed: null, required: false });

export function purposePolicy(audit: AuditConfig | null): PurposePolicy {
  if (audit === null) return OPEN_PURPOSES;
  return { allowed: audit.purposes === null ? null : new Set([...STANDARD_PURPOSES, ...audit.purposes]), required: audit.requirePurpose };
}

/** why `value` is refused, or null when it is taken */
export function purposeProblem(policy: PurposePolicy, value: string | undefined): string | null {
  if (value === undefined) return policy.required ? 'a purpose is required (audit.requirePurpose)' : null;
  if (!plainText(value)) return 'must be 1–64 characters without control characters';
  if (policy.allowed !== null && !policy.allowed.has(value)) return `"${value}" is not one of ${[...policy.allowed].join(', ')}`;
  return null;
}

/** the purpose, or the 400 naming the field */
export function checkedPurpose(policy: PurposePolicy, value: string | undefined, field: string): string | null {
  const problem = purposeProblem(policy, value);
  if (problem !== null) throw new ProblemError(400, 'bad-request', `${field}: ${problem}`);
  return value ?? null;
}
