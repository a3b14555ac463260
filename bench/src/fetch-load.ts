// Benchmark (issue 3): a 5 M-entry simulator CRL → verified → serving, through the product itself — the `jpki-validator fetch
// --once` binary an operator runs — beside `openssl crl -noout` on the same file, each in its own process, wall time and peak
// RSS (GNU time) measured from outside:
//   embedded: the CRL from a file into the embedded store (snapshot written and fsynced), no REDIS_URL;
//   Redis: the CRL over loopback HTTP (a static server with an ETag, in another process, so the RSS is the fetcher's alone) into
//          Redis database --redis-db (default 15; refused unless empty, flushed between runs and at the end).
// After the last Redis run: the generation's Redis memory (MEMORY USAGE over its keys) and a second, unchanged fetch through the
// binary (expected: one conditional GET answered 304, no load). Never run by `npm test`.
// After `npx turbo run build`, from bench/:
//   node dist/fetch-load.js [--entries 5000000] [--runs 3] [--redis-db 15]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { parseReport } from './lib/child-report.js';
import { describeMachine } from './lib/machine.js';
import { measure, median, type Measurement } from './lib/measure.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const cli = resolve(benchDir, '../apps/cli/bin/jpki-validator.js');
const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '5000000' },
    runs: { type: 'string', default: '3' },
    'redis-db': { type: 'string', default: '15' },
  },
});
const target = Number(values.entries);
const runs = Number(values.runs);
const redisUrl = `redis://127.0.0.1:6379/${Number(values['redis-db'])}`;
const node = process.execPath;
await mkdir(resolve(benchDir, 'out'), { recursive: true });

const crl = `out/crl-${target}.der`;
const sim = await measure(node, ['dist/subjects/sim-write.js', `out/sim-${target}`, String(target), crl], benchDir);
const simReport = parseReport(sim.stdout);
const caCert = resolve(benchDir, String(simReport.facts.caCertificate));
const entries = Number(simReport.facts.entries);
console.error(`CRL: ${entries} entries, ${simReport.facts.bytes} bytes`);

const redis = new Redis(redisUrl);
if ((await redis.dbsize()) !== 0) throw new Error(`${redisUrl} is not empty: choose another --redis-db`);
const server = spawn(node, [fileURLToPath(new URL('./subjects/static-crl-server.js', import.meta.url)), crl], {
  cwd: benchDir,
  stdio: ['ignore', 'pipe', 'pipe'],
});
const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
const { url } = JSON.parse(line) as { url: string };
let servedText = '';
server.stderr.on('data', (chunk: Buffer) => (servedText += chunk.toString('utf8')));

const work = await mkdtemp(join(tmpdir(), 'jpki-bench-fetch-'));
const dataDir = join(work, 'data');
const configFor = async (name: string, source: string): Promise<string> => {
  const file = join(work, `${name}.json`);
  const issuers = [{ id: 'jpki-sign-2023', group: 'jpki-sign', caCert, crls: [{ name: 'full', source }], refresh: '1h' }];
  await writeFile(file, JSON.stringify({ issuers, dataDir }));
  return file;
};
const embeddedConfig = await configFor('embedded', resolve(benchDir, crl));
const redisConfig = await configFor('redis', url);
const { REDIS_URL: _unset, ...envWithoutRedis } = process.env;

interface FetchReport {
  outcome: string;
  entries: number | null;
  durationMs: number;
}
interface Run {
  m: Measurement;
  report: FetchReport | null;
}
/** `fetch --once` prints one JSON report per partition; one partition here, and it must have been loaded */
function fetchReport(m: Measurement, expected: string): FetchReport {
  const report = JSON.parse(m.stdout.trim().split('\n')[0] ?? '{}') as FetchReport;
  if (report.outcome !== expected) throw new Error(`${m.commandLine}: expected ${expected}, got ${m.stdout}`);
  if (expected === 'loaded' && report.entries !== entries)
    throw new Error(`${m.commandLine}: loaded ${report.entries} entries, the CRL has ${entries}`);
  return report;
}
const fetchOnce = (config: string, env: NodeJS.ProcessEnv) => measure(node, [cli, 'fetch', '--once', '--config', config], benchDir, env);

const series: Record<'openssl' | 'embedded' | 'redis', Run[]> = { openssl: [], embedded: [], redis: [] };
const memory = { bytes: 0, keys: 0 };
let second: { m: Measurement; report: FetchReport } | null = null;
try {
  for (let i = 0; i < runs; i++) {
    series.openssl.push({ m: await measure('openssl', ['crl', '-inform', 'DER', '-in', crl, '-noout'], benchDir), report: null });
    await rm(dataDir, { recursive: true, force: true });
    const embedded = await fetchOnce(embeddedConfig, envWithoutRedis);
    series.embedded.push({ m: embedded, report: fetchReport(embedded, 'loaded') });
    await redis.flushdb();
    await rm(dataDir, { recursive: true, force: true });
    const onRedis = await fetchOnce(redisConfig, { ...envWithoutRedis, REDIS_URL: redisUrl });
    series.redis.push({ m: onRedis, report: fetchReport(onRedis, 'loaded') });
    console.error(`run ${i + 1}/${runs} done`);
  }
  for await (const batch of redis.scanStream({ count: 1000 }) as AsyncIterable<string[]>) {
    for (const key of batch) {
      memory.bytes += (await redis.memory('USAGE', key)) ?? 0;
      memory.keys++;
    }
  }
  const again = await fetchOnce(redisConfig, { ...envWithoutRedis, REDIS_URL: redisUrl });
  second = { m: again, report: fetchReport(again, 'not-modified') };
} finally {
  await redis.flushdb();
  await redis.quit();
  server.kill('SIGTERM');
  await once(server, 'exit');
  await rm(work, { recursive: true, force: true });
}
const served = JSON.parse(servedText.trim() || '{}') as { full?: number; notModified?: number };

const wall = (k: keyof typeof series) => median(series[k].map((s) => s.m.wallSeconds));
const workSeconds = (k: 'embedded' | 'redis') => median(series[k].map((s) => (s.report?.durationMs ?? NaN) / 1000));
const rss = (k: keyof typeof series) => Math.max(...series[k].map((s) => s.m.maxRssKib ?? NaN)) / 1024;
const lines = [
  `machine: ${JSON.stringify(describeMachine())}`,
  `CRL ${crl}: ${entries} entries, ${(Number(simReport.facts.bytes) / 1e6).toFixed(1)} MB; medians of ${runs} runs (wall = whole process incl. Node start-up; work = the partition's durationMs in the fetch report); peak RSS = the highest of the runs`,
  `| subject | wall s | work s | × faster than openssl (wall) | peak RSS MB |`,
  `|---|---|---|---|---|`,
  `| openssl crl -noout | ${wall('openssl').toFixed(2)} | — | 1 | ${rss('openssl').toFixed(0)} |`,
  `| jpki-validator fetch --once, embedded (file → verified → serving, snapshot written + fsync) | ${wall('embedded').toFixed(2)} | ${workSeconds('embedded').toFixed(2)} | ${(wall('openssl') / wall('embedded')).toFixed(2)} | ${rss('embedded').toFixed(0)} |`,
  `| jpki-validator fetch --once, Redis (HTTP → verified → serving) | ${wall('redis').toFixed(2)} | ${workSeconds('redis').toFixed(2)} | ${(wall('openssl') / wall('redis')).toFixed(2)} | ${rss('redis').toFixed(0)} |`,
  `Redis generation: ${memory.bytes} bytes in ${memory.keys} keys = ${(memory.bytes / entries).toFixed(2)} B/entry (bitmaps and fetch state included)`,
  `second unchanged fetch: outcome ${second?.report.outcome}, ${served.notModified} conditional GET(s) answered 304, ${served.full} full download(s) for ${runs} load(s), ${second?.report.durationMs.toFixed(1)} ms in the partition (${second?.m.wallSeconds.toFixed(2)} s process)`,
  `commands: ${series.openssl[0]?.m.commandLine} · ${series.embedded[0]?.m.commandLine} · REDIS_URL=${redisUrl} ${series.redis[0]?.m.commandLine}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
