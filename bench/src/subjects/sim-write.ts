// The simulator's streaming CRL writer: one CA whose CRL lists ENTRIES serials, written to OUT (temporary file, then renamed).
// The simulator in SIM_DIR is created on first use and reused after (its keys and seed fix the CRL's content); only writeCrl
// is timed. Population is twice the entry count at a 50 % revocation rate, as in packages/sim/scripts/time-big-crl.mjs: the
// writer walks 2× the serials it lists, like a real serial range.
// Usage: node dist/subjects/sim-write.js SIM_DIR ENTRIES OUT
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initSimulator, openSimulator } from '@jpki-validator/sim';
import { arg, printReport, secondsSince } from '../lib/child-report.js';

const BENCH_CA = 'jpki-sign-2023';

const dir = arg(0, 'simulator directory');
const entries = Number(arg(1, 'entries'));
const out = arg(2, 'output file');

// 'state.json' is the simulator's own state file: its presence means the simulator in `dir` is complete.
const sim = existsSync(join(dir, 'state.json'))
  ? await openSimulator(dir)
  : await initSimulator({
      dir,
      seed: 1,
      populationPerCa: entries * 2,
      revokedRate: 0.5,
      generations: [2023],
      kinds: ['sign'],
      partitions: 0,
    });

const start = process.hrtime.bigint();
const result = await sim.writeCrl({ ca: BENCH_CA, out });
const workSeconds = secondsSince(start);
printReport(workSeconds, { entries: result.entries, bytes: result.bytes, caCertificate: sim.caCertificatePath(BENCH_CA) });
