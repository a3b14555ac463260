/**
 * `jpki-validator start` end to end, as `npm start` runs it: the built binary with no config and PORT=0 starts the simulator,
 * loads its CRLs, serves the validator and prints three curl commands; their URLs answer good, revoked (affiliationChanged) and
 * an OCSP answer; SIGTERM shuts it down cleanly — also on a Redis that has died meanwhile (issue 14: it used to hang > 70 s and
 * print one "Unhandled error event" per reconnect attempt of every ioredis client).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../../packages/store/test/private-redis.js';
import { ensureBuilt } from './run-cli.js';

const BIN = fileURLToPath(new URL('../bin/jpki-validator.js', import.meta.url));

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

describe('jpki-validator start (demo)', () => {
  it('prints three curl commands whose URLs answer good, revoked and via OCSP, and stops on SIGTERM', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'jv-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'warn' };
    delete env.REDIS_URL;
    delete env.JPKI_VALIDATOR_CONFIG;
    const child = spawn(process.execPath, [BIN, 'start'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const urls = await new Promise<string[]>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const found = out.match(/http:\/\/127\.0\.0\.1:\d+\/v1\/status\/\S+/g);
          if (found && found.length === 3) resolve(found);
        });
        child.once('exit', (code) => reject(new Error(`start exited ${code} before printing the commands: ${out}`)));
      });
      const answers = await Promise.all(urls.map(async (u) => (await (await fetch(u)).json()) as Record<string, unknown>));
      expect(answers[0]).toMatchObject({ status: 'good', source: 'crl' });
      expect(answers[1]).toMatchObject({ status: 'revoked', reason: 'affiliationChanged', meaning: 'death_or_emigration' });
      expect(answers[2]).toMatchObject({ status: 'good', source: 'ocsp' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(cwd, { recursive: true, force: true });
    }
  });
});

describe('jpki-validator start on Redis', () => {
  it('exits promptly on SIGTERM after Redis died, and every ioredis client has an error listener', async () => {
    const redis: PrivateRedis = await startPrivateRedis();
    const cwd = await mkdtemp(join(tmpdir(), 'jv-start-redis-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'warn', REDIS_URL: redis.url };
    delete env.JPKI_VALIDATOR_CONFIG;
    const child = spawn(process.execPath, [BIN, 'start'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if ((out.match(/curl -s/g) ?? []).length === 3) resolve();
        });
        child.once('exit', (code) => reject(new Error(`start exited ${code} before serving: ${out}${err}`)));
      });
      await redis.kill();
      // a few reconnect rounds of every client
      await new Promise((r) => setTimeout(r, 2_000));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const t0 = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // bounded by BullMQ's own blocking-read watchdog (≤ 11 s), never by Redis coming back
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(`${out}${err}`).not.toMatch(/Unhandled error event/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await redis.stop();
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
