// Benchmark (issue 5; the targets: ratios to peers in the same run, below and in RESULTS.md): the validator's HTTP API on loopback, each server
// in its own process, autocannon in this one:
//   1. GET /v1/status on a 5 M-entry CRL in Redis vs a bare Hono app returning a constant JSON, and vs Hono doing one ioredis
//      GETBIT per request (the naive reference), at 50 and 200 connections;
//   2. POST /v1/status/batch with 10 000-item JSON bodies vs a bare Hono JSON echo of the same body, and NDJSON of 1 M items;
//   3. the OCSP fallback (ocsp-only issuer, no CRL) against `openssl ocsp`, beside autocannon straight at that responder.
// Then, when a status target is missed (or with --profile always), a `node --cpu-prof` run of the validator under the status load.
// Writes its section of bench/RESULTS.md (between its markers) and the raw figures to out/api-bench-<date>.json.
// Never run by `npm test`. After `npx turbo run build` (or `npx tsc -b bench` with the services built), from bench/:
//   node dist/api-bench.js [--entries 5000000] [--duration 15] [--connections 50,200] [--rounds 2] [--only status,batch,ocsp]
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { parseReport } from './lib/child-report.js';
import { describeMachine } from './lib/machine.js';
import { measure } from './lib/measure.js';
import { batchPhase, ocspPhase, profilePhase, statusPhase, type PhaseContext } from './lib/api-phases.js';
import { STATUS_P99_RATIO, STATUS_RPS_RATIO, updateApiResults, type ApiBenchReport } from './lib/api-results-md.js';
import { pickSerials } from './lib/api-serials.js';

const CA = 'jpki-sign-2023';
const PARTITION = 'full';
const benchDir = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '5000000' },
    serials: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '50,200' },
    rounds: { type: 'string', default: '2' },
    'batch-items': { type: 'string', default: '10000' },
    'batch-connections': { type: 'string', default: '4' },
    'batch-duration': { type: 'string', default: '10' },
    'ndjson-items': { type: 'string', default: '1000000' },
    'ndjson-runs': { type: 'string', default: '2' },
    'ocsp-connections': { type: 'string', default: '1,10' },
    'ocsp-duration': { type: 'string', default: '10' },
    only: { type: 'string', default: 'status,batch,ocsp' },
    profile: { type: 'string', default: 'auto' },
    results: { type: 'string', default: 'RESULTS.md' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const int = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number, got ${values[name]}`);
  return n;
};
const list = (name: 'connections' | 'ocsp-connections'): number[] => values[name].split(',').map(Number);
const only = new Set(values.only.split(','));
if (!['auto', 'always', 'never'].includes(values.profile)) throw new Error(`--profile auto|always|never, got ${values.profile}`);
const log = (message: string): void => void process.stderr.write(`[api-bench] ${message}\n`);

const machine = describeMachine();
const redis = new Redis(values.redis);
const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
const runId = randomBytes(4).toString('hex');
const prefix = `jpki-bench-api-${runId}`;
const ocspPrefix = `jpki-bench-api-ocsp-${runId}`;
await mkdir(resolve(benchDir, 'out'), { recursive: true });
const commands: Record<string, string> = {};

try {
  const entries = int('entries');
  const simDir = `out/api-sim-${entries}`;
  const crl = `out/api-crl-${entries}.der`;
  log(`simulator: ${entries} entries → ${crl}`);
  const simRun = await measure(process.execPath, ['dist/subjects/sim-write.js', simDir, String(entries), crl], benchDir);
  const sim = parseReport(simRun.stdout);
  commands['CRL written by'] = simRun.commandLine;
  const caCert = String(sim.facts.caCertificate);
  const serials = await pickSerials(resolve(benchDir, simDir), CA, int('serials'));

  log(`loading the CRL into Redis under ${prefix}`);
  const loadRun = await measure(process.execPath, ['dist/api-redis-load.js', crl, caCert, CA, PARTITION, prefix, values.redis], benchDir);
  const load = parseReport(loadRun.stdout);
  commands['Redis load (fetcher ingestCrl)'] = loadRun.commandLine;

  const crlConfig = 'out/api-config-crl.json';
  await writeFile(
    resolve(benchDir, crlConfig),
    JSON.stringify(
      {
        issuers: [
          { id: CA, group: 'jpki-sign', caCert: resolve(benchDir, caCert), crls: [{ name: PARTITION, source: resolve(benchDir, crl) }] },
        ],
      },
      null,
      2,
    ),
  );
  const ctx: PhaseContext = {
    benchDir,
    caId: CA,
    serials,
    redisUrl: values.redis,
    prefix,
    crlConfig,
    durationSeconds: int('duration'),
    rounds: int('rounds'),
    commands,
    checks: [],
    log,
  };
  ctx.checks.push(
    `CRL: ${sim.facts.entries} entries listed, ${load.facts.entries} loaded into Redis (CRL number ${load.facts.crlNumber}), signature checked by the fetcher`,
  );

  const report: ApiBenchReport = {
    machine: { ...machine, redis: redisVersion, loadAtEnd: Number.NaN },
    command: `node dist/api-bench.js ${process.argv.slice(2).join(' ')}`.trim(),
    commands,
    settings: {
      durationSeconds: ctx.durationSeconds,
      batchDurationSeconds: int('batch-duration'),
      ocspDurationSeconds: int('ocsp-duration'),
      batchItems: int('batch-items'),
      batchConnections: int('batch-connections'),
      serials: serials.length,
      crlEntries: Number(sim.facts.entries),
      crlBytes: Number(sim.facts.bytes),
      redisLoadSeconds: load.workSeconds,
    },
    checks: ctx.checks,
    status: [],
    statusWrk: null,
    batch: [],
    ndjson: [],
    ocsp: [],
    profile: null,
  };

  if (only.has('status')) {
    const result = await statusPhase(ctx, list('connections'));
    report.status = result.rounds;
    report.statusWrk = result.wrk;
  }
  if (only.has('batch')) {
    const { batch, ndjson } = await batchPhase(ctx, {
      items: int('batch-items'),
      connections: int('batch-connections'),
      durationSeconds: int('batch-duration'),
      ndjsonItems: int('ndjson-items'),
      ndjsonRuns: int('ndjson-runs'),
    });
    report.batch = batch;
    report.ndjson = ndjson;
  }
  if (only.has('ocsp')) {
    const caKey = `${simDir}/keys/${CA}.key.pem`;
    report.ocsp = await ocspPhase(ctx, {
      caCert,
      caKey,
      prefix: ocspPrefix,
      connections: list('ocsp-connections'),
      durationSeconds: int('ocsp-duration'),
      writeConfig: async (ocspUrl) => {
        const file = 'out/api-config-ocsp.json';
        await writeFile(
          resolve(benchDir, file),
          JSON.stringify(
            { issuers: [{ id: CA, group: 'jpki-sign', caCert: resolve(benchDir, caCert), ocsp: { url: ocspUrl }, mode: 'ocsp-only' }] },
            null,
            2,
          ),
        );
        return file;
      },
    });
  }
  const missed = report.status.some(
    (r) =>
      r.validator.requestsPerSecond < STATUS_RPS_RATIO * r.bare.requestsPerSecond ||
      r.validator.latencyP99Ms > STATUS_P99_RATIO * r.bare.latencyP99Ms,
  );
  if (only.has('status') && (values.profile === 'always' || (values.profile === 'auto' && missed))) {
    const profileDir = `out/api-prof-${machine.date.replace(/[:]/g, '')}`;
    await rm(resolve(benchDir, profileDir), { recursive: true, force: true });
    log(`profiling the validator under the status load → ${profileDir}`);
    report.profile = await profilePhase(ctx, list('connections')[0] ?? 50, profileDir);
  }

  report.machine.loadAtEnd = loadavg()[0] ?? Number.NaN;
  const json = resolve(benchDir, `out/api-bench-${machine.date.replace(/[:]/g, '')}.json`);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await updateApiResults(resolve(benchDir, values.results), report);
  log(`raw figures: ${relative(benchDir, json)}; section written to ${values.results}`);
} finally {
  for (const p of [prefix, ocspPrefix]) {
    for await (const keys of redis.scanStream({ match: `${p}:*`, count: 1000 }) as AsyncIterable<string[]>)
      if (keys.length > 0) await redis.unlink(...keys);
  }
  await redis.quit();
}
