/**
 * The long fuzz run: `npm run fuzz -- --cases 1000000` (every target), or one target, a seed, a start index, more workers:
 *   npm run fuzz -- --target crl --cases 200000 --seed 7 --workers 2
 *   npm run fuzz -- --target crl --seed 20261203 --from 1234 --cases 1     (replays one case a run reported)
 * The same seeds, properties and runner as the CI-sized runs in test/adversarial/fuzz-*.test.ts. Failures go to
 * fuzz-failures-<target>-<seed>.json (each with its input in hex); the figures are recorded for `npm run adversarial:table`.
 * Exit 1 when any case broke a property. Plain Node runs this file (type stripping): build first, as the npm script does.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runFuzz } from '../packages/x509/test/fuzz/run.ts';
import { allSeeds } from '../packages/x509/test/fuzz/seeds.ts';
import type { FuzzTarget } from '../packages/x509/test/fuzz/targets.ts';
import { recordResult } from '../test/adversarial/lib/record-result.ts';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'all' },
    cases: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '20261203' },
    from: { type: 'string', default: '0' },
    workers: { type: 'string', default: '1' },
    'hang-ms': { type: 'string', default: '10000' },
  },
});

const targets: FuzzTarget[] = values.target === 'all' ? ['crl', 'cert', 'ocsp'] : [values.target as FuzzTarget];
if (!targets.every((t) => t === 'crl' || t === 'cert' || t === 'ocsp')) {
  process.stderr.write(`--target must be crl, cert, ocsp or all (got ${values.target})\n`);
  process.exitCode = 2;
} else {
  const cases = Number(values.cases);
  const seed = Number(values.seed);
  let broken = 0;
  for (const target of targets) {
    const seeds = allSeeds(target);
    process.stderr.write(`fuzz ${target}: ${cases} cases from ${values.from}, seed ${seed}, ${seeds.length} seeds\n`);
    const report = await runFuzz({
      target,
      seeds,
      seed,
      cases,
      from: Number(values.from),
      workers: Number(values.workers),
      hangMs: Number(values['hang-ms']),
      onProgress: (tried) => {
        if (process.stderr.isTTY) process.stderr.write(`\r  ${tried} / ${cases}`);
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\r');
    const summary = {
      target,
      seed,
      from: report.from,
      tried: report.tried,
      handled: report.handled,
      wrongGood: report.wrongGood,
      parsed: report.accepted,
      failures: report.failures.length,
      seconds: Math.round(report.ms / 100) / 10,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (report.failures.length > 0) {
      const file = `fuzz-failures-${target}-${seed}.json`;
      writeFileSync(file, `${JSON.stringify(report.failures, null, 2)}\n`);
      process.stderr.write(`  ${report.failures.length} failures written to ${file}\n`);
      broken += report.failures.length;
    }
    if (cases >= 10_000)
      recordResult({
        file: `fuzz-${target} (long run)`,
        covers: `${target === 'crl' ? 'CRL scanner' : target === 'cert' ? 'certificate parser' : 'OCSP response parser'}: long run, npm run fuzz`,
        tried: report.tried,
        handled: report.handled,
        wrongGood: report.wrongGood,
        unit: `mutated inputs (seed ${seed}, ${seeds.length} seeds, ${report.accepted} parsed)`,
      });
  }
  if (broken > 0) process.exitCode = 1;
}
