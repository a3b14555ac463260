/** What `check` adds to every row (docs/cli.md, `check`: `status,reason,meaning,revokedAt,source,crlNumber,detail`). */
export type RowStatus = 'good' | 'revoked' | 'unknown';

export interface RowAnswer {
  status: RowStatus;
  reason: string | null;
  meaning: string | null;
  revokedAt: string | null;
  source: 'crl' | 'ocsp' | null;
  /** the CRL the answer stands on (good rows too: docs/cli.md, `check`) */
  crlNumber: string | null;
  /** why an answer is unknown (`malformed_serial`, `issuer_unknown`, `crl_stale`, …); null otherwise */
  detail: string | null;
  /** the asked issuer's medium (`card` | `smartphone`), null for an unknown issuer (an added column after the contract's) */
  medium: string | null;
  /** with `--lang`: the meaning in words (last column) */
  meaningLabel?: string | null;
}

/** the contract's columns, then `medium` (additive, last so that scripts counting columns keep working) */
export const ADDED_COLUMNS = ['status', 'reason', 'meaning', 'revokedAt', 'source', 'crlNumber', 'detail', 'medium'] as const;

/** an answer that needs no lookup: a bad row */
export function unknownRow(detail: string): RowAnswer {
  return { status: 'unknown', reason: null, meaning: null, revokedAt: null, source: null, crlNumber: null, detail, medium: null };
}
