// Collates the adversarial suite's records (test/adversarial/results/*.json, written by the tests through
// test/adversarial/lib/record-result.ts) into the results table of docs/adversarial.md, between its two marker comments.
// Run after the suite: `npm run adversarial` does both; `npm run adversarial:table` only collates. ADVERSARIAL_RESULTS_DIR
// overrides where the records are read from. A test file without records shows as "no record" if the docs list it.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dir = process.env.ADVERSARIAL_RESULTS_DIR ?? join(repo, 'test/adversarial/results');
const doc = join(repo, 'docs/adversarial.md');
const START = '<!-- adversarial-results:start -->';
const END = '<!-- adversarial-results:end -->';

const records = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
  : [];
records.sort((a, b) => a.file.localeCompare(b.file) || a.covers.localeCompare(b.covers));

// every adversarial test file, so one that recorded nothing is visible
const files = existsSync(join(repo, 'test/adversarial'))
  ? readdirSync(join(repo, 'test/adversarial')).filter((f) => f.endsWith('.test.ts'))
  : [];
const silent = files.filter((f) => !records.some((r) => r.file === f));

const n = (x) => x.toLocaleString('en-US');
const cell = (s) => String(s).replace(/\|/g, '\\|');
const rows = records.map(
  (r) =>
    `| \`${cell(r.file)}\` | ${cell(r.covers)} | ${n(r.tried)} | ${n(r.handled)} | ${r.wrongGood === 0 ? '0' : `**${n(r.wrongGood)}**`} | ${cell(r.unit)} | ${r.recordedAt.slice(0, 16)}Z |`,
);
for (const f of silent) rows.push(`| \`${f}\` | (no record: the file does not record its counts yet) | | | | | |`);
const total = (k) => records.reduce((sum, r) => sum + r[k], 0);
const table = [
  '| test file | covers | tried | handled | wrong-good | counted in | last run |',
  '|---|---|---:|---:|---:|---|---|',
  ...rows,
  `| **all** | | **${n(total('tried'))}** | **${n(total('handled'))}** | **${n(total('wrongGood'))}** | | |`,
].join('\n');

const text = readFileSync(doc, 'utf8');
const from = text.indexOf(START);
const to = text.indexOf(END);
if (from < 0 || to < from) {
  process.stderr.write(`${doc}: the markers ${START} … ${END} are missing\n`);
  process.exitCode = 2;
} else {
  writeFileSync(doc, `${text.slice(0, from + START.length)}\n${table}\n${text.slice(to)}`);
  process.stdout.write(`${records.length} records from ${dir} → ${doc}\n`);
  if (total('wrongGood') > 0 || records.some((r) => r.handled !== r.tried))
    process.stdout.write('not every case was handled: see the table\n');
}
