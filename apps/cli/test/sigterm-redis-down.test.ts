/**
 * A process told to stop while its Redis is gone must stop (issue 14: the lab's whole-cluster outage found `fetch` with the watch
 * job still alive 30 s after SIGTERM — BullMQ's graceful close and the watch list's QUIT wait for a Redis that is not there).
 * The real binary on a private Redis (never the shared 6379): `fetch` with watch sinks (the watch job's queues and list) and
 * `serve`, each started, Redis killed, then SIGTERM: both exit, 0, within seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../../test/support/private-redis.js';
import { BIN, ensureBuilt, REPO } from './run-cli.js';
import { createSimFixture, type SimFixture } from './sim-fixture.js';

const { REDIS_URL: _redis, JPKI_VALIDATOR_CONFIG: _config, ...ENV } = process.env;
let sim: SimFixture;
let redis: PrivateRedis;
let config: string;
const children: ChildProcess[] = [];

function start(args: readonly string[]): { child: ChildProcess; stderr: () => string } {
  let text = '';
  const child = spawn(process.execPath, [BIN, ...args, '--config', config], {
    cwd: REPO,
    env: { ...ENV, REDIS_URL: redis.url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (c: Buffer) => (text += c.toString('utf8')));
  children.push(child);
  return { child, stderr: () => text };
}

async function until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM; the exit code and how long the process took, or null when it was still alive after `limitMs` */
async function terminate(child: ChildProcess, limitMs: number): Promise<{ code: number | null; ms: number } | null> {
  const t0 = Date.now();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const late = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), limitMs));
  const code = await Promise.race([exited, late]);
  return code === 'late' ? null : { code, ms: Date.now() - t0 };
}

beforeAll(async () => {
  await ensureBuilt();
  sim = await createSimFixture();
  redis = await startPrivateRedis();
  const eventsDir = join(sim.dir, 'events');
  mkdirSync(eventsDir);
  config = join(sim.dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      issuers: [
        { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: sim.signCa, crls: [{ name: 'full', source: sim.signCrl }], refresh: '1s' },
      ],
      dataDir: join(sim.dir, 'data'),
      watch: { schedule: '0 9 * * *', sinks: [{ file: eventsDir }] },
    }),
  );
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis?.stop();
  await sim?.cleanup();
});

it('fetch (with the watch job) and serve exit promptly on SIGTERM while Redis is down', async () => {
  const fetcher = start(['fetch', '--admin-port', '0']);
  const validator = start(['serve', '--host', '127.0.0.1', '--port', '0']);
  await until('the fetcher with its watch job', () => /watch job on/.test(fetcher.stderr()));
  await until('the validator', () => /serve: validator on/.test(validator.stderr()));
  await redis.kill();
  // long enough for both to notice (reconnect attempts, a refresh failing) and short of any lock or TTL running out
  await new Promise((r) => setTimeout(r, 2_000));
  const [f, v] = await Promise.all([terminate(fetcher.child, 20_000), terminate(validator.child, 20_000)]);
  expect(f, `fetch still alive 20 s after SIGTERM; stderr: ${fetcher.stderr().slice(-2000)}`).not.toBeNull();
  expect(v, `serve still alive 20 s after SIGTERM; stderr: ${validator.stderr().slice(-2000)}`).not.toBeNull();
  expect(f?.code).toBe(0);
  expect(v?.code).toBe(0);
  // the shutdown grace is bounded (about a second for each step that would wait on Redis), not the 20 s above
  expect(f?.ms).toBeLessThan(10_000);
  expect(v?.ms).toBeLessThan(10_000);
}, 90_000);
