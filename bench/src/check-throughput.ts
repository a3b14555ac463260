// Benchmark: `jpki-validator check` (CSV in → CSV out, the built binary timed directly, file to file) over N serials against a
// simulator CRL of M entries, side by side in one run: a papaparse pass-through of the same file (parse + unparse, no lookup),
// check offline (--crl) and via Redis (--redis) — each as the whole process (start-up and loading the CRL or the Redis snapshot
// included) and as the pipeline alone (the time check's own summary reports), with its peak RSS — the lookup step alone (the
// per-row snapshot lookup the bulk path makes, on the embedded store's snapshot and on the one read from Redis; and the answering
// step inside check's own runs, from its summary), and the naive way (one ioredis GETBIT per serial, pipelined).
// Never run by `npm test`. After `npx tsc -b apps/cli bench`, from bench/:
//   node dist/check-throughput.js [--rows 10000000] [--entries 5000000] [--runs 3] [--redis redis://127.0.0.1:6379]
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Redis } from 'ioredis';
import Papa from 'papaparse';
import { initSimulator } from '@jpki-validator/sim';
import type { CaSnapshot } from '@jpki-validator/store';
import { crlSlot, DEFAULT_FETCH_TUNING } from '@jpki-validator/config';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = resolve(benchDir, '..');
const binary = join(repoRoot, 'apps/cli/bin/jpki-validator.js');
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    entries: { type: 'string', default: '5000000' },
    runs: { type: 'string', default: '3' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const rows = Number(values.rows);
const entries = Number(values.entries);
const runs = Number(values.runs);
const out = join(benchDir, 'out', `check-${rows}-${entries}`);
await mkdir(out, { recursive: true });
const log = (text: string) => process.stderr.write(`${text}\n`);

// A CRL of ~M entries: population 2M at revoked rate 0.5.
log(`simulator: CRL of ~${entries} entries`);
const sim = await initSimulator({
  dir: join(out, 'sim'),
  force: true,
  populationPerCa: entries * 2,
  revokedRate: 0.5,
  generations: [2023],
  kinds: ['sign'],
  partitions: 0,
});
const crl = join(out, 'sign.crl');
const written = await sim.writeCrl({ ca: 'jpki-sign-2023', out: crl });
const caCert = sim.caCertificatePath('jpki-sign-2023');
const base = sim.listCas()[0]?.serialBase ?? 0x7000000;

log(`input: ${rows} rows`);
const input = join(out, 'input.csv');
{
  const file = createWriteStream(input);
  file.write('id,serial,issuer,note\n');
  let state = 12345;
  for (let start = 0; start < rows; start += 100_000) {
    let chunk = '';
    for (let i = start; i < Math.min(rows, start + 100_000); i++) {
      state = (state * 1103515245 + 12345) >>> 0; // spread over the whole population
      chunk += `${i},${(base + (state % (entries * 2))).toString(16).toUpperCase()},jpki-sign-2023,customer ${i}\n`;
    }
    if (!file.write(chunk)) await once(file, 'drain');
  }
  file.end();
  await once(file, 'finish');
}

// Redis: the same CRL through the fetcher's ingest, under a random prefix removed at the end.
const prefix = `bench-check-${randomBytes(4).toString('hex')}`;
const redis = new Redis(values.redis);
const { createRedisStore } = await import('@jpki-validator/store');
const { createSource, ingestCrl, loadTrustedCa } = await import('@jpki-validator/crl-fetcher');
const store = createRedisStore({ redis, prefix });
const trusted = await loadTrustedCa({
  id: 'jpki-sign-2023',
  group: 'jpki-sign',
  caCertPath: caCert,
  partitions: [],
  fetch: { ...DEFAULT_FETCH_TUNING },
  ocsp: null,
  refresh: { intervalMs: 60_000 },
  freshness: { graceSeconds: 0, skewSeconds: 300 },
  mode: 'crl-only',
  retired: false,
  kind: null,
});
log('redis: ingest');
await ingestCrl({
  store,
  ca: trusted,
  partition: crlSlot({ name: 'sign', source: crl, scope: 'full' }),
  source: createSource(crl),
  skewSeconds: 300,
});

const seconds: Record<string, number[]> = {};
/** from check's own summary: the pipeline's seconds and the answering step's seconds, and the process's peak RSS (KiB) */
const pipelineSeconds: Record<string, number[]> = {};
const answerSeconds: Record<string, number[]> = {};
const peakRssKiB: Record<string, number[]> = {};
const time = async (name: string, task: () => Promise<unknown>) => {
  const t0 = performance.now();
  await task();
  (seconds[name] ??= []).push((performance.now() - t0) / 1000);
};
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const runCheck = async (name: string, args: string[]) => {
  const command =
    timeBin === null ? [process.execPath, binary, ...args] : [timeBin, '-f', 'peak-rss-kib %M', process.execPath, binary, ...args];
  await time(name, async () => {
    const { stderr } = await promisify(execFile)(command[0] as string, command.slice(1), { maxBuffer: 1 << 26 });
    const pipeline = /check: \d+ rows in ([\d.]+) s/.exec(stderr);
    const answering = /answering took ([\d.]+) s/.exec(stderr);
    const rss = /peak-rss-kib (\d+)/.exec(stderr);
    if (pipeline === null || answering === null) throw new Error(`${name}: no summary in\n${stderr}`);
    (pipelineSeconds[name] ??= []).push(Number(pipeline[1]));
    (answerSeconds[name] ??= []).push(Number(answering[1]));
    if (rss !== null) (peakRssKiB[name] ??= []).push(Number(rss[1]));
  });
};
const OFFLINE = 'check offline (--crl)';
const VIA_REDIS = 'check via Redis (--redis)';

for (let r = 0; r < runs; r++) {
  log(`run ${r + 1}/${runs}`);
  await time('papaparse pass-through', () => papaparsePassThrough(input, join(out, 'pt.csv')));
  await runCheck(OFFLINE, ['check', '--input', input, '--output', join(out, 'offline.csv'), '--crl', crl, '--ca', caCert]);
  await runCheck(VIA_REDIS, [
    'check',
    '--input',
    input,
    '--output',
    join(out, 'redis.csv'),
    '--redis',
    values.redis,
    '--redis-prefix',
    prefix,
    '--ca',
    caCert,
  ]);
}

// The lookup step alone: the per-row lookup of check's bulk path (CaSnapshot.lookupInto, into the reason and date columns) over
// the same serials, on the embedded store's snapshot (offline) and on the snapshot read from Redis (what --redis answers from);
// and the snapshot's lookupMany (typed arrays allocated per call) for comparison.
const serials = new Float64Array(Math.min(rows, 10_000_000));
{
  let state = 12345;
  for (let i = 0; i < serials.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    serials[i] = base + (state % (entries * 2));
  }
}
const { openEmbeddedStore } = await import('@jpki-validator/store');
const embedded = await openEmbeddedStore();
log('embedded: ingest');
await ingestCrl({
  store: embedded,
  ca: trusted,
  partition: crlSlot({ name: 'sign', source: crl, scope: 'full' }),
  source: createSource(crl),
  skewSeconds: 300,
});
const offlineSnapshot = embedded.snapshot('jpki-sign-2023');
const redisLoadSeconds: number[] = [];
let redisSnapshot: CaSnapshot | null = null;
for (let r = 0; r < runs; r++) {
  // a new store instance each time: nothing cached from the ingest or the previous read
  const cold = createRedisStore({ redis, prefix });
  const t0 = performance.now();
  redisSnapshot = await cold.loadSnapshot('jpki-sign-2023');
  redisLoadSeconds.push((performance.now() - t0) / 1000);
}
if (offlineSnapshot === null || redisSnapshot === null) throw new Error('nothing loaded');
const lookupRates: Record<string, number[]> = {};
for (let r = 0; r < runs; r++) {
  for (const [name, snapshot] of [
    ['offline', offlineSnapshot],
    ['redis', redisSnapshot],
  ] as const) {
    (lookupRates[`${name} lookupInto`] ??= []).push(lookupIntoRate(snapshot, serials));
    const t0 = performance.now();
    for (let start = 0; start < serials.length; start += 8192) snapshot.lookupMany(serials.subarray(start, start + 8192));
    (lookupRates[`${name} lookupMany`] ??= []).push(serials.length / ((performance.now() - t0) / 1000));
  }
}
await embedded.close();

// The naive way: one GETBIT per serial on a listed bitmap in Redis, pipelined 10 k at a time. The store keeps runs, not bitmaps,
// so the bitmaps a naive store would keep are written first (under the prefix, removed with it).
const naiveCount = Math.min(serials.length, 1_000_000);
const chunks = new Map<number, string>();
for (const [chunkNo, chunk] of redisSnapshot.chunks) {
  const key = `${prefix}:naive:${chunkNo}`;
  await redis.set(key, Buffer.from(chunk.listed.buffer, chunk.listed.byteOffset, chunk.listed.byteLength));
  chunks.set(chunkNo, key);
}
const t0 = performance.now();
for (let start = 0; start < naiveCount; start += 10_000) {
  const pipeline = redis.pipeline();
  for (let i = start; i < Math.min(naiveCount, start + 10_000); i++) {
    const s = serials[i] as number;
    const key = chunks.get(Math.floor(s / 2 ** store.chunkBits));
    if (key !== undefined) pipeline.getbit(key, s % 2 ** store.chunkBits);
  }
  await pipeline.exec();
}
const naiveRate = naiveCount / ((performance.now() - t0) / 1000);

await rm(join(out, 'pt.csv'), { force: true });
let cursor = '0';
do {
  const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
  if (keys.length > 0) await redis.del(...keys);
  cursor = next;
} while (cursor !== '0');
await store.close();
redis.disconnect();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const rate = (name: string) => rows / median(seconds[name] ?? []);
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const pass = rate('papaparse pass-through');
const pct = (n: number) => `${((n / pass) * 100).toFixed(0)} %`;
const checkRow = (name: string) => {
  const whole = rate(name);
  const pipeline = rows / median(pipelineSeconds[name] ?? []);
  const rss = peakRssKiB[name] === undefined ? '—' : `${Math.round(Math.max(...(peakRssKiB[name] ?? [])) / 1024)}`;
  return `| ${name} | ${fmt(whole)} (${pct(whole)}) | ${fmt(pipeline)} (${pct(pipeline)}) | ${fmt(rows / median(answerSeconds[name] ?? []))} | ${rss} |`;
};
const redisLoad = median(redisLoadSeconds);
const lookup = (name: string) => median(lookupRates[name] ?? []);
const report = [
  `check over ${rows} rows against a ${written.entries}-entry CRL (median of ${runs}; CSV in → CSV out, file to file, binary timed directly)`,
  '',
  '| subject | rows/s, whole process (vs pass-through) | rows/s, pipeline alone (vs pass-through) | answering step rows/s | peak RSS MiB |',
  '|---|---:|---:|---:|---:|',
  `| papaparse pass-through (parse + unparse, no lookup) | ${fmt(pass)} (100 %) | | | |`,
  checkRow(OFFLINE),
  checkRow(VIA_REDIS),
  '',
  '| lookup step alone | serials/s |',
  '|---|---:|',
  `| offline: embedded snapshot, lookupInto per serial into columns | ${fmt(lookup('offline lookupInto'))} |`,
  `| offline: embedded snapshot, lookupMany (8 k per call) | ${fmt(lookup('offline lookupMany'))} |`,
  `| via Redis: snapshot read from Redis, lookupInto per serial | ${fmt(lookup('redis lookupInto'))} |`,
  `| via Redis: the same with reading the snapshot (${redisLoad.toFixed(2)} s) counted, over ${serials.length} serials | ${fmt(serials.length / (redisLoad + serials.length / lookup('redis lookupInto')))} |`,
  `| naive: ioredis GETBIT per serial, pipelines of 10 k (${naiveCount} serials) | ${fmt(naiveRate)} |`,
];
process.stdout.write(`${report.join('\n')}\n`);

function lookupIntoRate(snapshot: CaSnapshot, column: Float64Array): number {
  const slot = { reasonCode: -1, revokedAtMs: Number.NaN, invalidityMs: Number.NaN };
  const reasons = new Int8Array(8192);
  const dates = new Float64Array(8192);
  const t0 = performance.now();
  for (let start = 0; start < column.length; start += 8192) {
    const end = Math.min(column.length, start + 8192);
    for (let i = start; i < end; i++) {
      if (snapshot.lookupInto(column[i] as number, slot)) {
        reasons[i - start] = slot.reasonCode;
        dates[i - start] = slot.revokedAtMs;
      } else reasons[i - start] = -1;
    }
  }
  return column.length / ((performance.now() - t0) / 1000);
}

async function papaparsePassThrough(from: string, to: string): Promise<void> {
  const sink = createWriteStream(to);
  await new Promise<void>((done, fail) => {
    Papa.parse<string[]>(createReadStream(from), {
      chunkSize: 1 << 16,
      chunk: (result, parser) => {
        const text = Papa.unparse(
          result.data.map((row) => [...row, 'good', '', '', '', 'crl', '2', '']),
          { newline: '\n' },
        );
        if (!sink.write(`${text}\n`)) {
          parser.pause();
          sink.once('drain', () => parser.resume());
        }
      },
      complete: () => done(),
      error: (error: Error) => fail(error),
    });
  });
  sink.end();
  await once(sink, 'finish');
}
