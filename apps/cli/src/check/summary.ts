/**
 * Counts for the end-of-run summary (stderr) and the exit code: rows by status, by reason, by meaning and by detail, bad rows,
 * and whether every answer was `unknown` for lack of data (exit 3).
 */
import type { RowAnswer } from './row-answer.js';
import type { DataUsed } from './sources/types.js';

/** details that mean "no data to answer from", as opposed to a bad row */
const LACK_OF_DATA = new Set(['issuer_not_loaded', 'crl_stale', 'store_unavailable', 'ocsp_unavailable', 'unknown']);
/** details of rows that are the input's fault */
const BAD_ROW = new Set(['malformed_serial', 'issuer_unknown']);

export type FailOn = 'revoked' | 'unknown' | 'any';

export class CheckTally {
  rows = 0;
  good = 0;
  revoked = 0;
  unknown = 0;
  badRows = 0;
  lackOfData = 0;
  readonly byReason = new Map<string, number>();
  readonly byMeaning = new Map<string, number>();
  readonly byDetail = new Map<string, number>();
  /** time spent answering (the source's lookups), apart from reading and writing: shows where a slow run's time goes */
  answerMs = 0;

  /** `count` rows answered `a` */
  add(a: RowAnswer, count = 1): void {
    if (count === 0) return;
    this.rows += count;
    if (a.status === 'good') this.good += count;
    else if (a.status === 'revoked') {
      this.revoked += count;
      if (a.reason !== null) bump(this.byReason, a.reason, count);
      if (a.meaning !== null) bump(this.byMeaning, a.meaning, count);
    } else {
      this.unknown += count;
      const detail = a.detail ?? 'unknown';
      bump(this.byDetail, detail, count);
      if (BAD_ROW.has(detail)) this.badRows += count;
      if (LACK_OF_DATA.has(detail)) this.lackOfData += count;
    }
  }

  /** exit 3 (docs/cli.md, "Exit codes"): rows were asked, none could be answered, and data was what was missing */
  get everyAnswerLacksData(): boolean {
    return this.rows > 0 && this.good === 0 && this.revoked === 0 && this.lackOfData > 0;
  }

  matches(failOn: FailOn): boolean {
    if (failOn === 'revoked') return this.revoked > 0;
    if (failOn === 'unknown') return this.unknown > 0;
    return this.revoked > 0 || this.unknown > 0;
  }

  toJSON(elapsedMs: number, dataUsed: readonly DataUsed[]) {
    return {
      rows: this.rows,
      status: { good: this.good, revoked: this.revoked, unknown: this.unknown },
      reasons: Object.fromEntries(this.byReason),
      meanings: Object.fromEntries(this.byMeaning),
      details: Object.fromEntries(this.byDetail),
      badRows: this.badRows,
      seconds: Math.round(elapsedMs) / 1000,
      answerSeconds: Math.round(this.answerMs) / 1000,
      rowsPerSecond: elapsedMs > 0 ? Math.round((this.rows * 1000) / elapsedMs) : null,
      crls: dataUsed,
    };
  }

  /** the human summary: a few aligned lines */
  format(elapsedMs: number, dataUsed: readonly DataUsed[]): string {
    const rate = elapsedMs > 0 ? Math.round((this.rows * 1000) / elapsedMs) : 0;
    const lines = [
      `check: ${this.rows} rows in ${(elapsedMs / 1000).toFixed(2)} s (${rate} rows/s)`,
      `  good ${this.good}, revoked ${this.revoked}, unknown ${this.unknown}${this.badRows > 0 ? ` (bad rows ${this.badRows})` : ''}`,
      `  answering took ${(this.answerMs / 1000).toFixed(2)} s (${this.answerMs > 0 ? Math.round((this.rows * 1000) / this.answerMs) : 0} rows/s), reading and writing the rest`,
    ];
    if (this.byReason.size > 0) lines.push(`  revoked by reason: ${counts(this.byReason)}`);
    if (this.byMeaning.size > 0) lines.push(`  revoked by meaning: ${counts(this.byMeaning)}`);
    if (this.byDetail.size > 0) lines.push(`  unknown by detail: ${counts(this.byDetail)}`);
    if (dataUsed.length === 0) lines.push('  CRLs used: none');
    for (const d of dataUsed) {
      const where = d.partition === null ? d.caId : `${d.caId}/${d.partition}`;
      lines.push(
        `  CRL ${where}: number ${d.crlNumber}, thisUpdate ${d.thisUpdate}, nextUpdate ${d.nextUpdate ?? 'none'}${d.stale ? ' (STALE)' : ''}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}

function bump(map: Map<string, number>, key: string, count: number): void {
  map.set(key, (map.get(key) ?? 0) + count);
}

function counts(map: ReadonlyMap<string, number>): string {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}
