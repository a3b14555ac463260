/**
 * The adversarial suite's figures, written by the tests themselves: each test file records, per group of cases it covers, how many
 * it tried, how many were handled as the contract says, and how many ended in a wrong `good`. `npm run adversarial:table` (scripts/
 * adversarial-table.mjs) collates the records of the last run into the table in docs/adversarial.md.
 *
 * Record the counts before asserting on them, so a failing run leaves its true figures behind.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** where records go: ADVERSARIAL_RESULTS_DIR, else test/adversarial/results/ (not committed) */
export const RESULTS_DIR = process.env.ADVERSARIAL_RESULTS_DIR ?? join(REPO, 'test/adversarial/results');

export interface AdversarialResult {
  /** the test file, e.g. `fuzz-crl.test.ts` (import.meta.url or a path is accepted) */
  file: string;
  /** what the group covers, one line: it becomes the table's row */
  covers: string;
  tried: number;
  /** answered or refused exactly as the contract says */
  handled: number;
  /** a `good` (or a usable/valid verdict) the data could not vouch for: must be 0 */
  wrongGood: number;
  /** what the numbers count, e.g. `fuzz cases (seed 7)` or `bad CRLs × stores` */
  unit: string;
}

export function recordResult(result: AdversarialResult): void {
  const file = basename(result.file.startsWith('file:') ? fileURLToPath(result.file) : result.file);
  const slug = result.covers
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const record = { ...result, file, recordedAt: new Date().toISOString(), node: process.version };
  writeFileSync(join(RESULTS_DIR, `${file.replace(/\.test\.ts$/, '')}--${slug}.json`), `${JSON.stringify(record, null, 2)}\n`);
}
