/**
 * /metrics as Prometheus takes it: the real binary's `start` (validator, fetcher and watch job in one process, one /metrics) and
 * `fetch` (the fetcher's admin server, with the watch job's metrics) are scraped while they run, and Prometheus's own
 * `promtool check metrics` (Debian's `prometheus` package) must find nothing. One naming scheme: every family under
 * `jpki_validator_`, counters ending in `_total`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, ensureBuilt, REPO } from './run-cli.js';
import { createSimFixture, type SimFixture } from './sim-fixture.js';

const { REDIS_URL: _redis, JPKI_VALIDATOR_CONFIG: _config, ...ENV } = process.env;
let sim: SimFixture;
let config: string;
const running: ChildProcess[] = [];

/** `promtool check metrics` over the text: its exit code and what it printed (nothing when the text passes) */
function promtool(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output: output.trim() }));
    child.stdin.end(text);
  });
}

/** the binary as a long-running process; resolves with the first stderr match of `ready` */
async function startProcess(args: readonly string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
  running.push(child);
  let stderr = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`jpki-validator ${args.join(' ')} did not start: ${stderr}`)), 60_000);
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      const m = ready.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => reject(new Error(`jpki-validator ${args.join(' ')} exited ${code}: ${stderr}`)));
  });
  return { child, match };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** scrapes until `want` shows (the watch job's start-up pass runs beside the process's start) */
async function scrape(url: string, want: RegExp): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    if (want.test(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const families = (text: string): { name: string; type: string }[] =>
  [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1] ?? '', type: m[2] ?? '' }));

function expectOneScheme(text: string): void {
  const all = families(text);
  expect(all.length).toBeGreaterThan(10);
  expect(all.filter((f) => !f.name.startsWith('jpki_validator_')).map((f) => f.name)).toEqual([]);
  expect(all.filter((f) => f.type === 'counter' && !f.name.endsWith('_total')).map((f) => f.name)).toEqual([]);
  expect(all.filter((f) => f.type !== 'counter' && f.name.endsWith('_total')).map((f) => f.name)).toEqual([]);
}

beforeAll(async () => {
  await ensureBuilt();
  sim = await createSimFixture();
  config = join(sim.dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      issuers: [{ id: 'jpki-sign-2023', group: 'jpki-sign', caCert: sim.signCa, crls: [{ name: 'full', source: sim.signCrl }] }],
      dataDir: join(sim.dir, 'data'),
      watch: { schedule: '0 9 * * *', sinks: [{ file: join(sim.dir, 'events') }] },
    }),
  );
  const list = join(sim.dir, 'customers.csv');
  writeFileSync(list, `customerId,issuer,serial\nC-001,jpki-sign,${sim.revokedLeafSerial}\nC-002,jpki-sign,${sim.signLeafSerial}\n`);
  for (const args of [
    ['fetch', '--once', '--config', config],
    ['watch', 'import', list, '--config', config],
  ]) {
    const result = await cli(args, { env: ENV });
    if (result.code !== 0) throw new Error(`jpki-validator ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  }
}, 120_000);

afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  await sim?.cleanup();
});

describe('/metrics and promtool', () => {
  it('promtool refuses what breaks the rules (the check can fail)', async () => {
    const bad = await promtool('# HELP x_total a gauge named like a counter\n# TYPE x_total gauge\nx_total 1\n');
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/_total/);
    const good = await promtool('# HELP x_total a counter\n# TYPE x_total counter\nx_total 1\n');
    expect(good).toEqual({ code: 0, output: '' });
  });

  it("`start` serves the validator's, the fetcher's and the watch job's metrics on one /metrics, and promtool passes them", async () => {
    const { child, match } = await startProcess(['start', '--config', config, '--port', '0'], /start: validator on (http:\/\/\S+)/);
    const text = await scrape(`${match[1]}/metrics`, /^jpki_validator_watch_passes_total [1-9]/m);
    await stop(child);
    expect(await promtool(text)).toEqual({ code: 0, output: '' });
    expectOneScheme(text);
    // the three parts
    expect(text).toMatch(/^# TYPE jpki_validator_http_requests_total counter$/m);
    expect(text).toMatch(/^jpki_validator_crl_fresh\{ca="jpki-sign-2023"\} 1$/m);
    expect(text).toMatch(/^jpki_validator_crl_staleness_seconds\{ca="jpki-sign-2023",partition="full"\} -/m);
    expect(text).toMatch(/^jpki_validator_crl_last_success_timestamp_seconds\{ca="jpki-sign-2023",partition="full"\} \d+/m);
    expect(text).toMatch(/^jpki_validator_watch_passes_total [1-9]/m);
    expect(text).toMatch(/^jpki_validator_watch_list_rows 2$/m);
    expect(text).toMatch(/^jpki_validator_process_resident_memory_bytes \d+/m);
  });

  it("`fetch` serves the fetcher's and the watch job's metrics on its admin server, and promtool passes them", async () => {
    const { child, match } = await startProcess(['fetch', '--config', config, '--admin-port', '0'], /admin (http:\/\/\S+);/);
    const text = await scrape(`${match[1]}/metrics`, /^jpki_validator_watch_passes_total [1-9]/m);
    await stop(child);
    expect(await promtool(text)).toEqual({ code: 0, output: '' });
    expectOneScheme(text);
    expect(text).toMatch(/^jpki_validator_crl_staleness_seconds\{ca="jpki-sign-2023",partition="full"\} -/m);
    expect(text).toMatch(/^jpki_validator_watch_passes_total [1-9]/m);
    expect(text).toMatch(/^jpki_validator_process_resident_memory_bytes \d+/m);
  });
});
