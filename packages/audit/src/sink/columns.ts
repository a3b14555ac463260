/**
 * The audit table's columns, in one place for both databases: the stored name of each row field, and a row as a database
 * gives it back.
 */
import type { AuditRoute, AuditRow, NewAuditRow } from '../record.js';

/** the row fields stored as text, in insert order after `at` */
export const TEXT_FIELDS = [
  ['requestId', 'request_id'],
  ['apiKeyId', 'api_key_id'],
  ['purpose', 'purpose'],
  ['route', 'route'],
  ['issuer', 'issuer'],
  ['caId', 'ca_id'],
  ['serial', 'serial'],
  ['kind', 'kind'],
  ['medium', 'medium'],
  ['result', 'result'],
  ['reason', 'reason'],
  ['meaning', 'meaning'],
  ['method', 'method'],
  ['crlNumber', 'crl_number'],
  ['detail', 'detail'],
  ['signature', 'signature'],
] as const satisfies readonly (readonly [keyof NewAuditRow, string])[];

/** every stored column but `id` and `at`, in insert order */
export const INSERT_COLUMNS = [...TEXT_FIELDS.map(([, c]) => c), 'ocsp_produced_at', 'data_age_seconds', 'personal_shown'] as const;

/** a stored row: `at` and `ocsp_produced_at` as ms since the epoch, `id` as a decimal string */
export interface StoredRow {
  id: string;
  at_ms: number;
  request_id: string;
  api_key_id: string | null;
  purpose: string | null;
  route: string;
  issuer: string | null;
  ca_id: string | null;
  serial: string | null;
  kind: string | null;
  medium: string | null;
  result: string;
  reason: string | null;
  meaning: string | null;
  method: string | null;
  crl_number: string | null;
  detail: string | null;
  signature: string | null;
  ocsp_produced_ms: number | null;
  data_age_seconds: number | null;
  personal_shown: boolean | number | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function rowFromStored(r: StoredRow): AuditRow {
  return {
    id: String(r.id),
    at: iso(Number(r.at_ms)),
    requestId: r.request_id,
    apiKeyId: r.api_key_id,
    purpose: r.purpose,
    route: r.route as AuditRoute,
    issuer: r.issuer,
    caId: r.ca_id,
    serial: r.serial,
    kind: r.kind,
    medium: r.medium,
    result: r.result,
    reason: r.reason,
    meaning: r.meaning,
    method: r.method,
    crlNumber: r.crl_number,
    ocspProducedAt: r.ocsp_produced_ms === null ? null : iso(Number(r.ocsp_produced_ms)),
    dataAgeSeconds: r.data_age_seconds === null ? null : Number(r.data_age_seconds),
    detail: r.detail,
    signature: r.signature,
    personalShown: r.personal_shown === null ? null : Boolean(r.personal_shown),
  };
}
