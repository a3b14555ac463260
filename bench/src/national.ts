// Benchmark (issue 11, "Benchmarks"): the simulator's national layout — one signature CA in 1,741 municipal partitions, ~30 M
// entries at full size — served over loopback HTTP by `jpki-validator sim serve`, loaded by the product binary
// (`jpki-validator fetch --once` with a generated config) into the embedded store and into Redis (a private redis-server),
// beside `openssl crl -noout` over the same partition files one after another (summed):
//   cold refresh   nothing loaded → every partition fetched, verified, serving;
//   daily refresh  the next day, a fraction of the partitions changed (one revocation each), the rest answering 304;
// while a validator (`jpki-validator serve` on the same store) is asked about a sample of serials, every answer checked against
// the simulator's truth. Peak RSS by GNU time, machine and load average, medians of --runs. Never run by `npm test`.
// After `npx turbo run build`, from bench/:
//   node dist/national.js                       full size: 60 M serials at 50 % → ~30 M entries (the coordinator's run)
//   node dist/national.js --population 100000 --runs 1     a small check (~50 k entries)
// Options: --population N --revoked-rate R --partitions N --changed F (0.05) --runs N (3) --samples N (2000)
//          --crls listing|list (the partitions by the listing file, or one slot each) --fetch-concurrency N
//          --work DIR --keep --write-results
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openSimulator } from '@jpki-validator/sim';
import { spawnServer, type ServerProcess } from './lib/api-server-process.js';
import { describeMachine } from './lib/machine.js';
import { measure, type Measurement } from './lib/measure.js';
import { buildNationalFixture, NATIONAL_CA, type NationalFixture } from './lib/national-fixture.js';
import { renderNational, writeNationalSection, type FetchRun, type StoreSeries } from './lib/national-report.js';
import { checkOnce, pickSample, type SampleSerial, type SampleTally, startSampler } from './lib/national-sampler.js';
import { freePort, startPrivateRedis, type PrivateRedis } from './lib/private-redis.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const cli = resolve(benchDir, '../apps/cli/bin/jpki-validator.js');
const node = process.execPath;
const { values } = parseArgs({
  options: {
    population: { type: 'string', default: '60000000' },
    'revoked-rate': { type: 'string', default: '0.5' },
    partitions: { type: 'string', default: '1741' },
    changed: { type: 'string', default: '0.05' },
    runs: { type: 'string', default: '3' },
    samples: { type: 'string', default: '2000' },
    crls: { type: 'string', default: 'listing' },
    'fetch-concurrency': { type: 'string' },
    work: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'write-results': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const crlsForm = values.crls === 'list' ? 'list' : 'listing';
const fetchConcurrency = values['fetch-concurrency'] === undefined ? undefined : Number(values['fetch-concurrency']);
const command = `node dist/national.js ${process.argv.slice(2).join(' ')}`.trim();
const log = (text: string) => process.stderr.write(`national: ${text}\n`);
const machine = describeMachine();

const work = values.work ? resolve(values.work) : await mkdtemp(join(tmpdir(), 'jpki-bench-national-'));
await mkdir(work, { recursive: true });
const { REDIS_URL: _unset, ...baseEnv } = process.env;
const quietEnv = { ...baseEnv, LOG_LEVEL: 'warn' };

/**
 * The fetcher's config for the national CA: the simulator's listing file (`crls: { partitions: FILE }`: each partition's name,
 * URL and directoryName), or with `--crls list` one `{name, source}` slot per partition. `--fetch-concurrency N` sets
 * `fetch.concurrency` (else the config's default).
 */
async function writeConfig(fixture: NationalFixture, dataDir: string): Promise<string> {
  const file = join(work, 'config.json');
  const crls =
    crlsForm === 'listing'
      ? { partitions: fixture.listing }
      : fixture.files.map((f) => ({ name: f.partition, source: `${fixture.baseUrl}/crl/${NATIONAL_CA}/${f.partition}.crl` }));
  const issuers = [
    {
      id: NATIONAL_CA,
      group: 'jpki-sign',
      caCert: fixture.caCert,
      crls,
      refresh: '24h',
      mode: 'crl-only',
      ...(fetchConcurrency === undefined ? {} : { fetch: { concurrency: fetchConcurrency } }),
    },
  ];
  await writeFile(file, JSON.stringify({ issuers, dataDir }, null, 1));
  return file;
}

/** `jpki-validator sim serve` of one day's state on the fixture's port; ready once it printed its URLs. */
function serveSim(dir: string, port: number): Promise<ServerProcess> {
  return spawnServer({ script: cli, args: ['sim', 'serve', '--dir', dir, '--port', String(port)], cwd: benchDir, env: quietEnv });
}

/** Starts a day's server and requests one partition, so the server writes every partition CRL before anything is timed. */
async function warmSim(dir: string, port: number, fixture: NationalFixture): Promise<number> {
  const server = await serveSim(dir, port);
  try {
    const started = performance.now();
    const r = await fetch(`${fixture.baseUrl}/crl/${NATIONAL_CA}/p0000.crl`, { method: 'HEAD', signal: AbortSignal.timeout(3_600_000) });
    if (r.status !== 200) throw new Error(`simulator answered ${r.status} for p0000`);
    return (performance.now() - started) / 1000;
  } finally {
    await server.stop();
  }
}

/** `jpki-validator serve` on the config's store; the URL comes from its "validator on …" line on stderr. */
async function startValidator(config: string, env: NodeJS.ProcessEnv): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(node, [cli, 'serve', '--config', config, '--port', '0', '--host', '127.0.0.1'], {
    cwd: benchDir,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let text = '';
    child.stderr.on('data', (d: Buffer) => {
      text += d.toString();
      const match = /validator on (http:\/\/\S+?) /.exec(text);
      if (match?.[1]) resolveUrl(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`validator exited ${code}: ${text}`)));
  });
  // what it says later (a crash's stack) is kept for the log: the run reports a validator that died, never hides it
  let tail = '';
  child.stderr.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  });
  child.once('exit', (code, signal) => {
    if (!stopping) log(`validator ${child.pid} exited (${code ?? signal}) during the run; its last words:\n${tail}`);
  });
  let stopping = false;
  return {
    url,
    pid: child.pid ?? -1,
    async stop() {
      stopping = true;
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Runs `fetch --once`, checks its per-partition reports, and samples the validator while it runs. */
async function refresh(config: string, env: NodeJS.ProcessEnv, validatorUrl: string, during: SampleSerial[], after: SampleSerial[]) {
  const sampler = startSampler(validatorUrl, 'jpki-sign', during);
  let m: Measurement;
  try {
    m = await measure(node, [cli, 'fetch', '--once', '--config', config], benchDir, env);
  } finally {
    await sampler.stop();
  }
  const reports = m.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { outcome: string; entries: number | null });
  const outcomes: Record<string, number> = {};
  for (const r of reports) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const run: FetchRun = {
    wallSeconds: m.wallSeconds,
    maxRssKib: m.maxRssKib,
    outcomes,
    entries: reports.reduce((n, r) => n + (r.entries ?? 0), 0),
    during: sampler.tally,
    ...(await settle(validatorUrl, during, after, sampler.tally)),
  };
  return { run, commandLine: m.commandLine };
}

/**
 * After a refresh the validator (another process) catches up with the store by its own watch, not at once: the sample is
 * asked until every answer is the new state's (at most CATCH_UP_LIMIT_S). Until then an answer may still be the previous
 * state's, which is right: each poll is judged against the refresh's acceptable states (`during`, where a wrong answer is still
 * wrong) and against the new state alone (`after`: the batch that is all right, or the last one if none was).
 */
async function settle(
  validatorUrl: string,
  duringSample: SampleSerial[],
  afterSample: SampleSerial[],
  during: SampleTally,
): Promise<{ after: SampleTally; catchUpSeconds: number | null }> {
  const started = performance.now();
  for (;;) {
    const tally = await checkOnce(validatorUrl, 'jpki-sign', afterSample);
    const seconds = (performance.now() - started) / 1000;
    if (tally.right === tally.answers) return { after: tally, catchUpSeconds: seconds };
    if (seconds > CATCH_UP_LIMIT_S) return { after: tally, catchUpSeconds: null };
    const meanwhile = await checkOnce(validatorUrl, 'jpki-sign', duringSample);
    during.answers += meanwhile.answers;
    during.right += meanwhile.right;
    during.unknown += meanwhile.unknown;
    during.wrong += meanwhile.wrong;
    during.failed += meanwhile.failed;
    during.examples.push(...meanwhile.examples);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const CATCH_UP_LIMIT_S = 120;

async function opensslSum(fixture: NationalFixture): Promise<number> {
  let total = 0;
  for (const f of fixture.files)
    total += (await measure('openssl', ['crl', '-inform', 'DER', '-noout', '-in', f.file], benchDir)).wallSeconds;
  return total;
}

const port = await freePort();
const population = Number(values.population);
log(`building the national simulator (${population} serials, ${values.partitions} partitions) in ${work}`);
const fixture = await buildNationalFixture({
  workDir: work,
  population,
  revokedRate: Number(values['revoked-rate']),
  partitions: Number(values.partitions),
  changedFraction: Number(values.changed),
  port,
  seed: 11,
});
const bytes = fixture.files.reduce((n, f) => n + f.bytes, 0);
log(
  `day 0: ${fixture.entriesDay0} entries, ${bytes} bytes, written in ${fixture.simWriteSeconds.toFixed(1)} s; day 1 changes ${fixture.changed.length} partitions`,
);
const serveDay0Seconds = await warmSim(fixture.day0, port, fixture);
const serveDay1Seconds = await warmSim(fixture.day1, port, fixture);
log(`servers warm: day 0 in ${serveDay0Seconds.toFixed(1)} s, day 1 in ${serveDay1Seconds.toFixed(1)} s`);

const [day0, day1] = [await openSimulator(fixture.day0), await openSimulator(fixture.day1)];
const picked = pickSample(
  [day0, day1],
  NATIONAL_CA,
  Number(values.samples),
  fixture.changed.map((c) => c.serial),
);
const only = (i: number): SampleSerial[] =>
  picked.map((p) => ({ serial: p.text, truths: [p.truths[i] ?? p.truths[0] ?? { status: 'good', reason: null }] }));
const samples = { day0: only(0), either: picked.map((p) => ({ serial: p.text, truths: p.truths })), day1: only(1) };

const largest = fixture.files.reduce((a, b) => (b.bytes > a.bytes ? b : a));
const opensslLargest = await measure('openssl', ['crl', '-inform', 'DER', '-noout', '-in', largest.file], benchDir);
const series = (): StoreSeries => ({ cold: [], daily: [], storeBytesPerEntry: [], validatorBytesPerEntry: [] });
const results = { embedded: series(), redis: series(), openssl: [] as number[] };
const dataDir = join(work, 'data');
const config = await writeConfig(fixture, dataDir);
let fetchCommand = '';
let redis: PrivateRedis | null = null;
try {
  redis = await startPrivateRedis();
  for (let i = 0; i < runs; i++) {
    results.openssl.push(await opensslSum(fixture));
    log(`run ${i + 1}/${runs}: openssl sum ${results.openssl.at(-1)?.toFixed(1)} s`);
    for (const store of ['embedded', 'redis'] as const) {
      await rm(dataDir, { recursive: true, force: true });
      if (store === 'redis') await redis.flush();
      const redisBefore = store === 'redis' ? await redis.usedMemory() : 0;
      const env = store === 'redis' ? { ...quietEnv, REDIS_URL: redis.url } : quietEnv;
      const validator = await startValidator(config, env);
      try {
        const validatorBefore = await rssBytes(validator.pid);
        let sim = await serveSim(fixture.day0, port);
        const cold = await refresh(config, env, validator.url, samples.day0, samples.day0).finally(() => sim.stop());
        fetchCommand = cold.commandLine;
        if (cold.run.entries !== fixture.entriesDay0)
          throw new Error(`cold ${store}: loaded ${cold.run.entries} entries of ${fixture.entriesDay0}`);
        const loaded = store === 'redis' ? (await redis.usedMemory()) - redisBefore : await directoryBytes(dataDir);
        results[store].storeBytesPerEntry.push(loaded / fixture.entriesDay0);
        results[store].validatorBytesPerEntry.push(((await rssBytes(validator.pid)) - validatorBefore) / fixture.entriesDay0);
        results[store].cold.push(cold.run);
        log(`run ${i + 1}/${runs}: cold ${store} ${cold.run.wallSeconds.toFixed(1)} s, ${JSON.stringify(cold.run.outcomes)}`);

        sim = await serveSim(fixture.day1, port);
        const daily = await refresh(config, env, validator.url, samples.either, samples.day1).finally(() => sim.stop());
        results[store].daily.push(daily.run);
        log(`run ${i + 1}/${runs}: daily ${store} ${daily.run.wallSeconds.toFixed(1)} s, ${JSON.stringify(daily.run.outcomes)}`);
      } finally {
        await validator.stop();
      }
    }
  }
} finally {
  await redis?.stop();
  if (!values.keep && !values.work) await rm(work, { recursive: true, force: true });
}

const section = renderNational({
  machine,
  loadAtEnd: loadavg()[0] ?? Number.NaN,
  command,
  runs,
  partitions: fixture.files.length,
  entries: fixture.entriesDay0,
  bytes,
  changed: fixture.changed.length,
  samples: picked.length,
  sim: { writeSeconds: fixture.simWriteSeconds, walks: fixture.simWriteWalks, serveDay0Seconds, serveDay1Seconds },
  openssl: {
    sumSeconds: results.openssl,
    largestRssKib: opensslLargest.maxRssKib,
    command: 'openssl crl -inform DER -noout -in FILE',
  },
  embedded: results.embedded,
  redis: results.redis,
  fetchCommand: fetchCommand.replace(work, '<work>').replace(resolve(benchDir, '..'), '..'),
  crlsForm: `${crlsForm === 'listing' ? '`crls: { partitions: <listing file> }`' : 'one `{name, source}` per partition'}${fetchConcurrency === undefined ? '' : `, \`fetch.concurrency\` ${fetchConcurrency}`}`,
});
process.stdout.write(section);
if (values['write-results']) await writeNationalSection(resolve(benchDir, 'RESULTS.md'), section);
