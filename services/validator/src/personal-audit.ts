/**
 * The hook an audit history plugs into: /v1/verify calls `record` once per request, saying whether the JPKI 4 basic details were
 * shown — never what they were. It is awaited before the answer leaves, so a history that cannot record stops the details from
 * being shown (a 500) rather than showing them unrecorded.
 * The default writes the fact to the request's log line (no personal data in it). With the audit history on (audit/), the durable
 * record comes first: the route records the verify answer with `personalShown` and, when the details are shown, writes it to the
 * journal before this hook runs — a journal that cannot be written refuses the answer (503).
 */
import type { PersonalReason } from '@jpki-validator/status';
import type { Logger } from 'pino';

export interface PersonalDetailsEvent {
  /** RFC 3339 */
  at: string;
  requestId: string;
  /** the API key's id (a hash prefix), null without keys */
  apiKeyId: string | null;
  route: '/v1/verify';
  requested: boolean;
  /** the details were in the answer */
  shown: boolean;
  /** why not, when not shown */
  reason: PersonalReason | null;
  /** whose certificate: the CA and serial (not personal data) */
  caId: string | null;
  serial: string;
}

export interface PersonalDetailsAudit {
  record(event: PersonalDetailsEvent): void | Promise<void>;
}

/** The default hook, per request: an `info` line on the request's logger when details were shown, `debug` otherwise. */
export function requestLogAudit(log: Logger): PersonalDetailsAudit {
  return {
    record(event) {
      if (event.shown) log.info({ audit: 'personal_details', ...event }, 'personal details shown');
      else log.debug({ audit: 'personal_details', ...event }, 'personal details not shown');
    },
  };
}
