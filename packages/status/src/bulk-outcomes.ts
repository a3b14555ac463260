/**
 * The outcomes of a bulk check: the parts of a status answer that many rows share (status, reason, meaning, the CRL it stands on,
 * the detail …), each kept once in a table and named by its index. A row is then an index plus its own dates. The outcomes are
 * cut out of answers built by verdict.ts's `combineVerdicts` / `unknownAnswer`, so their wording is the status answer's own.
 */
import type { Medium } from '@jpki-validator/config';
import type { CrlReason } from '@jpki-validator/x509';
import { formatTime } from '@jpki-validator/x509';
import type { CertStatus, CrlSourceInfo, OcspSourceInfo, StatusAnswer, UnknownDetail } from './types.js';

/** What every row with this outcome answers; `revokedAt` and `invalidityDate` are the row's own (BulkColumns). */
export interface BulkOutcome {
  caId: string | null;
  medium: Medium | null;
  status: CertStatus;
  reason: CrlReason | null;
  meaning: string | null;
  source: 'crl' | 'ocsp' | null;
  crl: CrlSourceInfo | null;
  ocsp: OcspSourceInfo | null;
  detail: UnknownDetail | null;
  /** several CAs of a group list the serial */
  anomaly: boolean;
}

/** Interns outcomes: equal outcomes get the same index for the life of the table. */
export class BulkOutcomeTable {
  readonly outcomes: BulkOutcome[] = [];
  private readonly byKey = new Map<string, number>();

  /** the index of the outcome an answer carries */
  indexOf(answer: StatusAnswer): number {
    const outcome: BulkOutcome = {
      caId: answer.caId,
      medium: answer.medium,
      status: answer.status,
      reason: answer.reason,
      meaning: answer.meaning,
      source: answer.source,
      crl: answer.crl,
      ocsp: answer.ocsp ?? null,
      detail: answer.detail ?? null,
      anomaly: answer.anomaly === true,
    };
    const key = JSON.stringify(outcome);
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.outcomes.length;
      this.outcomes.push(Object.freeze(outcome));
      this.byKey.set(key, index);
    }
    return index;
  }
}

/** One row of a bulk answer as the full contract answer (what `checkMany` returns for it). */
export interface BulkRowFacts {
  issuer: string;
  /** the contract's form of the serial (`formatSerial`), or the input text when it is malformed */
  serial: string;
  revokedAtMs: number;
  invalidityMs: number;
  checkedAt: string;
}

export function bulkStatusAnswer(outcome: BulkOutcome, row: BulkRowFacts): StatusAnswer {
  const revoked = outcome.status === 'revoked';
  const answer: StatusAnswer = {
    issuer: row.issuer,
    caId: outcome.caId,
    medium: outcome.medium,
    serial: row.serial,
    status: outcome.status,
    reason: outcome.reason,
    meaning: outcome.meaning,
    revokedAt: revoked ? formatTime(row.revokedAtMs) : null,
    invalidityDate: revoked && !Number.isNaN(row.invalidityMs) ? formatTime(row.invalidityMs) : null,
    source: outcome.source,
    crl: outcome.crl,
    checkedAt: row.checkedAt,
  };
  if (outcome.ocsp !== null) answer.ocsp = outcome.ocsp;
  if (outcome.detail !== null) answer.detail = outcome.detail;
  if (outcome.anomaly) answer.anomaly = true;
  return answer;
}
