// Timing script, run by hand (never in tests): builds a simulator whose CA lists ENTRIES revoked serials and times the
// streaming CRL writer, then checks the result with openssl. Usage (after `npx tsc -b packages/sim`):
//   node packages/sim/scripts/time-big-crl.mjs [entries=5000000] [outDir=/tmp/jpki-sim-big]
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initSimulator } from '@jpki-validator/sim';

const entries = Number(process.argv[2] ?? 5_000_000);
const dir = process.argv[3] ?? '/tmp/jpki-sim-big';
rmSync(dir, { recursive: true, force: true });

// Population twice the entry count at a 50 % revocation rate: the writer walks 2× the serials it lists, like a real range.
const sim = await initSimulator({
  dir,
  seed: 1,
  populationPerCa: entries * 2,
  revokedRate: 0.5,
  generations: [2023],
  kinds: ['sign'],
  partitions: 0,
});
const out = join(dir, 'big.crl');
for (let run = 1; run <= 3; run++) {
  const t0 = process.hrtime.bigint();
  const result = await sim.writeCrl({ ca: 'jpki-sign-2023', out });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const mb = result.bytes / 1e6;
  console.log(
    `run ${run}: ${result.entries} entries, ${mb.toFixed(1)} MB (${(result.bytes / result.entries).toFixed(1)} B/entry) in ${seconds.toFixed(2)} s = ${(mb / seconds).toFixed(0)} MB/s, ${(result.entries / seconds / 1e6).toFixed(2)} M entries/s; rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
  );
}
console.log(`file ${statSync(out).size} bytes`);
const t1 = process.hrtime.bigint();
const verify = spawnSync(
  'openssl',
  ['crl', '-inform', 'DER', '-in', out, '-noout', '-verify', '-CAfile', sim.caCertificatePath('jpki-sign-2023')],
  { encoding: 'utf8' },
);
console.log(
  `openssl crl -verify: exit ${verify.status}, ${`${verify.stdout}${verify.stderr}`.trim()} (${(Number(process.hrtime.bigint() - t1) / 1e9).toFixed(1)} s)`,
);
