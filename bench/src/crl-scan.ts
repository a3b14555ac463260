// Benchmark: scanning simulator-made CRLs of 100 k, 1 M and 5 M entries, side by side in one run, each subject in its own
// process (peak RSS per subject): our scanner (scan + signature verification; fed by createReadStream, and by one reused buffer),
// `openssl crl -noout`, SHA-256 of the bytes fed both ways (the floors), pkijs (100 k only), and the simulator's write of each CRL. Writes the figures into bench/RESULTS.md between markers.
// Never run by `npm test`; run by `npm run bench` (root) or, after `npx tsc -b bench`, from bench/:
//   node dist/crl-scan.js [--sizes 100000,1000000,5000000] [--runs 3] [--pkijs-max 100000] [--results RESULTS.md]
import { mkdir, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseReport, type ChildReport } from './lib/child-report.js';
import { describeMachine } from './lib/machine.js';
import { measure } from './lib/measure.js';
import { addRun, type SizeResult, type SubjectResult } from './lib/results.js';
import { updateResultsFile } from './lib/results-md.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000,5000000' },
    runs: { type: 'string', default: '3' },
    'pkijs-max': { type: 'string', default: '100000' },
    results: { type: 'string', default: 'RESULTS.md' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const pkijsMax = Number(values['pkijs-max']);
if (sizes.some((n) => !Number.isInteger(n) || n <= 0) || !Number.isInteger(runs) || runs < 1) {
  throw new Error(`bad --sizes ${values.sizes} or --runs ${values.runs}`);
}

const machine = describeMachine();
const node = process.execPath;
const results: SizeResult[] = [];
await mkdir(resolve(benchDir, 'out'), { recursive: true });

for (const target of sizes) {
  const crl = `out/crl-${target}.der`;
  const simDir = `out/sim-${target}`;
  log(`${target}: simulator write ×${runs}`);
  let simWrite: SubjectResult | null = null;
  for (let i = 0; i < runs; i++) simWrite = await child(simWrite, node, ['dist/subjects/sim-write.js', simDir, String(target), crl]);
  if (simWrite === null) throw new Error('no simulator run');
  const entries = Number(simWrite.facts.entries);
  const bytes = Number(simWrite.facts.bytes);
  const caCertificate = relative(benchDir, resolve(benchDir, String(simWrite.facts.caCertificate)));

  // Round-robin the fast subjects so a burst of load from another process hits all of them alike.
  let scanVerify: SubjectResult | null = null;
  let scanReused: SubjectResult | null = null;
  let openssl: SubjectResult | null = null;
  let sha256: SubjectResult | null = null;
  let sha256Reused: SubjectResult | null = null;
  for (let i = 0; i < runs; i++) {
    log(`${target}: run ${i + 1}/${runs}: scan+verify (stream, reused buffer), openssl, sha256 (stream, reused buffer)`);
    scanVerify = await child(scanVerify, node, ['dist/subjects/scan-verify.js', crl, caCertificate, String(entries)]);
    scanReused = await child(scanReused, node, ['dist/subjects/scan-verify-reused-buffer.js', crl, caCertificate, String(entries)]);
    openssl = addRun(openssl, await measure('openssl', ['crl', '-inform', 'DER', '-noout', '-in', crl], benchDir), null);
    sha256 = await child(sha256, node, ['dist/subjects/sha256.js', crl, 'stream']);
    sha256Reused = await child(sha256Reused, node, ['dist/subjects/sha256.js', crl, 'reused']);
  }
  let pkijs: SubjectResult | null = null;
  if (target <= pkijsMax) {
    log(`${target}: pkijs (one run)`);
    pkijs = await child(null, node, ['dist/subjects/pkijs-from-ber.js', crl, String(entries)]);
  }
  if (scanVerify === null || scanReused === null || openssl === null || sha256 === null || sha256Reused === null)
    throw new Error('no runs');
  results.push({ targetEntries: target, entries, bytes, simWrite, scanVerify, scanReused, openssl, sha256, sha256Reused, pkijs });
}

const json = resolve(benchDir, `out/crl-scan-${machine.date.replace(/[:]/g, '')}.json`);
await writeFile(json, `${JSON.stringify({ machine, runs, results }, null, 2)}\n`);
const command = `node dist/crl-scan.js ${process.argv.slice(2).join(' ')}`.trim();
await updateResultsFile(resolve(benchDir, values.results), { machine, runs, command, results });
log(`raw figures: ${relative(benchDir, json)}; table: ${values.results}`);

async function child(into: SubjectResult | null, command: string, args: string[]): Promise<SubjectResult> {
  const m = await measure(command, args, benchDir);
  const report: ChildReport = parseReport(m.stdout);
  return addRun(into, m, report);
}

function log(message: string): void {
  process.stderr.write(`[crl-scan] ${message}\n`);
}
