// Timing script, run by hand (never in tests): a national-layout simulator whose signature CA lists about ENTRIES revoked
// serials over 1,741 municipal partitions, timing what the server does on the first request for a partition (every partition
// CRL of the CA written into one file by two walks), then the same split into files, then checks one partition with openssl.
// Usage (after `npx tsc -b packages/sim`):
//   node packages/sim/scripts/time-national.mjs [entries=4000000] [outDir=/tmp/jpki-sim-national]
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { initSimulator } from '@jpki-validator/sim';

const entries = Number(process.argv[2] ?? 4_000_000);
const dir = process.argv[3] ?? '/tmp/jpki-sim-national';
rmSync(dir, { recursive: true, force: true });

// The national defaults: 50 % of the population revoked, 1,741 partitions, skew 100.
const sim = await initSimulator({ dir, layout: 'national', populationPerCa: entries * 2, kinds: ['sign'] });
const ca = 'jpki-sign-2023';
const mb = (bytes) => (bytes / 1e6).toFixed(1);
const rss = () => `rss ${mb(process.memoryUsage().rss)} MB`;
let bundle;
for (let run = 1; run <= 3; run++) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  bundle = await sim.writePartitionBundle({ ca, out: join(dir, 'bundle.bin') });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const total = bundle.partitions.reduce((n, p) => n + p.entries, 0);
  const bytes = bundle.partitions.reduce((n, p) => n + p.bytes, 0);
  console.log(
    `bundle run ${run}: ${bundle.partitions.length} partitions, ${total} entries, ${mb(bytes)} MB in ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU = ${(total / seconds / 1e6).toFixed(2)} M entries/s; ${rss()}; load ${loadavg()[0].toFixed(1)}`,
  );
}
const walks = sim.populationWalks;
const t1 = performance.now();
const all = await sim.writeAllPartitions({ ca, outDir: join(dir, 'crls') });
console.log(
  `all partitions as files: ${((performance.now() - t1) / 1000).toFixed(2)} s, ${all.walks} walks (${sim.populationWalks - walks} counted); ${rss()}`,
);
const sizes = all.partitions.map((p) => p.entries).sort((a, b) => a - b);
console.log(`partition entries: min ${sizes[0]}, median ${sizes[sizes.length >> 1]}, max ${sizes[sizes.length - 1]}`);
const largest = all.partitions.find((p) => p.entries === sizes[sizes.length - 1]);
const verify = spawnSync(
  'openssl',
  ['crl', '-inform', 'DER', '-in', largest.file, '-noout', '-verify', '-CAfile', sim.caCertificatePath(ca)],
  {
    encoding: 'utf8',
  },
);
console.log(`openssl crl -verify ${largest.partition}: exit ${verify.status}, ${`${verify.stdout}${verify.stderr}`.trim()}`);
