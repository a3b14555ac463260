// Benchmark (issue 3): a 5 M-entry simulator CRL file → verified → serving, in the embedded store and in Redis, beside
// `openssl crl -noout` on the same file; peak RSS per subject (GNU time), Redis memory of the generation, and the cost of a
// second, unchanged fetch (one conditional GET, no load). Each subject runs in its own process. Never run by `npm test`.
// After `npx tsc -b bench` (and services/crl-fetcher built, its Lua copied: `npm run build -w services/crl-fetcher`), from bench/:
//   node dist/fetch-load.js [--entries 5000000] [--runs 3]
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseReport, type ChildReport } from './lib/child-report.js';
import { describeMachine } from './lib/machine.js';
import { measure, median, type Measurement } from './lib/measure.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { entries: { type: 'string', default: '5000000' }, runs: { type: 'string', default: '3' } } });
const target = Number(values.entries);
const runs = Number(values.runs);
const node = process.execPath;
await mkdir(resolve(benchDir, 'out'), { recursive: true });

const crl = `out/crl-${target}.der`;
const sim = await measure(node, ['dist/subjects/sim-write.js', `out/sim-${target}`, String(target), crl], benchDir);
const simReport = parseReport(sim.stdout);
const caCert = String(simReport.facts.caCertificate);
console.error(`CRL: ${simReport.facts.entries} entries, ${simReport.facts.bytes} bytes`);

interface Run {
  m: Measurement;
  r: ChildReport | null;
}
const series: Record<'openssl' | 'embedded' | 'redis', Run[]> = { openssl: [], embedded: [], redis: [] };
for (let i = 0; i < runs; i++) {
  series.openssl.push({ m: await measure('openssl', ['crl', '-inform', 'DER', '-in', crl, '-noout'], benchDir), r: null });
  for (const kind of ['embedded', 'redis'] as const) {
    const m = await measure(node, ['dist/subjects/fetch-load-store.js', kind, crl, caCert], benchDir);
    series[kind].push({ m, r: parseReport(m.stdout) });
  }
  console.error(`run ${i + 1}/${runs} done`);
}

const wall = (k: keyof typeof series) => median(series[k].map((s) => s.m.wallSeconds));
const work = (k: 'embedded' | 'redis') => median(series[k].map((s) => s.r?.workSeconds ?? NaN));
const rss = (k: keyof typeof series) => Math.max(...series[k].map((s) => s.m.maxRssKib ?? s.r?.maxRssKib ?? NaN)) / 1024;
const last = series.redis[series.redis.length - 1]?.r?.facts ?? {};
const entries = Number(simReport.facts.entries);
const lines = [
  `machine: ${JSON.stringify(describeMachine())}`,
  `CRL ${crl}: ${entries} entries, ${(Number(simReport.facts.bytes) / 1e6).toFixed(1)} MB; medians of ${runs} runs (wall = whole process incl. Node start-up)`,
  `| subject | wall s | work s | × faster than openssl (wall) | peak RSS MB |`,
  `|---|---|---|---|---|`,
  `| openssl crl -noout | ${wall('openssl').toFixed(2)} | — | 1 | ${rss('openssl').toFixed(0)} |`,
  `| embedded (file → verified → serving, snapshot written) | ${wall('embedded').toFixed(2)} | ${work('embedded').toFixed(2)} | ${(wall('openssl') / wall('embedded')).toFixed(2)} | ${rss('embedded').toFixed(0)} |`,
  `| Redis (HTTP → verified → serving) | ${wall('redis').toFixed(2)} | ${work('redis').toFixed(2)} | ${(wall('openssl') / wall('redis')).toFixed(2)} | ${rss('redis').toFixed(0)} |`,
  `Redis generation: ${last.generationBytes} bytes in ${last.keys} keys = ${(Number(last.generationBytes) / entries).toFixed(2)} B/entry (bitmaps included)`,
  `second unchanged fetch: outcome ${last.secondOutcome}, ${last.requestsNotModified} conditional GET(s) answered 304, ${last.requestsFull} full download(s) in total, ${(Number(last.secondSeconds) * 1000).toFixed(1)} ms`,
  `commands: ${series.openssl[0]?.m.commandLine} · ${series.embedded[0]?.m.commandLine} · ${series.redis[0]?.m.commandLine}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
