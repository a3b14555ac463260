/**
 * One line of the audit history: which question was answered, when, for whom, for what purpose, from what data, with what result.
 * Never the certificate, never the JPKI 4 basic details (for /v1/verify only whether they were shown).
 */

/** where the answer was given */
export type AuditRoute = 'status' | 'batch' | 'validate' | 'verify' | 'audit.delete';
export const AUDIT_ROUTES: readonly AuditRoute[] = ['status', 'batch', 'validate', 'verify', 'audit.delete'];

/** the purposes every deployment knows; `audit.purposes` in the config adds free-text ones */
export const STANDARD_PURPOSES = ['signature_verification', 'liveness_check', 'death_check'] as const;

export interface AuditRow {
  /** the row's place in the history's stable order (decimal; rises with time within one writer) */
  id: string;
  /** RFC 3339 UTC with milliseconds (the order inside one second matters to an auditor) */
  at: string;
  requestId: string;
  /** the API key's id (the first 8 hex of its SHA-256), null without keys; `cli` for an entry the CLI made */
  apiKeyId: string | null;
  purpose: string | null;
  route: AuditRoute;
  /** as the caller asked it (an id or a group) */
  issuer: string | null;
  /** the CA that answered */
  caId: string | null;
  serial: string | null;
  /** `sign` | `auth` | `other` */
  kind: string | null;
  /** `card` | `smartphone`, when the CA's medium is known */
  medium: string | null;
  /** status: good | revoked | unknown; validate/verify: valid | revoked | expired | not_yet_valid | invalid | unknown; deletion: deleted */
  result: string;
  reason: string | null;
  meaning: string | null;
  /** `crl` | `ocsp`, null when no source took part */
  method: string | null;
  crlNumber: string | null;
  /** RFC 3339 */
  ocspProducedAt: string | null;
  /** whole seconds from the data's thisUpdate (CRL) or producedAt (OCSP) to the answer */
  dataAgeSeconds: number | null;
  /** why an answer was unknown, or a deletion's summary */
  detail: string | null;
  /** /v1/verify: the signature's verdict (the worst of several documents) */
  signature: string | null;
  /** /v1/verify: whether the 4 basic details were in the answer (never what they were) */
  personalShown: boolean | null;
}

/** the columns in export order (CSV header, JSONL keys) */
export const AUDIT_COLUMNS = [
  'id',
  'at',
  'requestId',
  'apiKeyId',
  'purpose',
  'route',
  'issuer',
  'caId',
  'serial',
  'kind',
  'medium',
  'result',
  'reason',
  'meaning',
  'method',
  'crlNumber',
  'ocspProducedAt',
  'dataAgeSeconds',
  'detail',
  'signature',
  'personalShown',
] as const satisfies readonly (keyof AuditRow)[];

/** A row before storage gives it an id: what the journal carries. */
export type NewAuditRow = Omit<AuditRow, 'id' | 'at'> & { atMs: number };
