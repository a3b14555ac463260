/**
 * `jpki-validator start` end to end, as `npm start` runs it: the built binary with no config and PORT=0 starts the simulator,
 * loads its CRLs, serves the validator and prints four curl commands; their URLs answer good, revoked (affiliationChanged, with
 * the Japanese label when asked), a smartphone certificate via OCSP, and the revoked test card. The demo's test cards then answer
 * exactly the published table through `/v1/status`, `/v1/validate` and `check --api`; SIGTERM shuts it down cleanly — also on a
 * Redis that has died meanwhile (issue 14: it used to hang > 70 s and print one "Unhandled error event" per reconnect attempt of
 * every ioredis client).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '@jpki-validator/private-redis';
import { runCli } from './check-fixture.js';
import { ensureBuilt } from './run-cli.js';

const BIN = fileURLToPath(new URL('../bin/jpki-validator.js', import.meta.url));

/** The table as the product answers it: the bare-serial status (revocation only), then the certificate's validation. */
const TABLE: [serial: string, kind: 'auth' | 'sign', status: string, reason: string | null, result: string][] = [
  ['7F00D011', 'auth', 'good', null, 'valid'],
  ['7F00D012', 'sign', 'good', null, 'valid'],
  ['7F00D013', 'auth', 'good', null, 'expired'],
  ['7F00D014', 'sign', 'good', null, 'expired'],
  ['7F00D015', 'auth', 'revoked', 'unspecified', 'revoked'],
  ['7F00D016', 'sign', 'revoked', 'unspecified', 'revoked'],
  ['7F00D017', 'auth', 'good', null, 'valid'],
  ['7F00D018', 'sign', 'good', null, 'valid'],
  ['7F00D101', 'auth', 'good', null, 'valid'],
  ['7F00D102', 'sign', 'revoked', 'superseded', 'revoked'],
  ['7F00D103', 'auth', 'good', null, 'valid'],
  ['7F00D104', 'sign', 'good', null, 'expired'],
  ['7F00D105', 'auth', 'good', null, 'valid'],
  ['7F00D106', 'sign', 'good', null, 'valid'],
  ['7F00D108', 'sign', 'good', null, 'valid'],
  ['7F00D10A', 'sign', 'good', null, 'valid'],
  ['7F00D10C', 'sign', 'good', null, 'valid'],
];

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

describe('jpki-validator start (demo)', () => {
  it('prints curl commands (stderr) whose URLs answer, serves the test-card table, logs JSON lines only (stdout), and stops on SIGTERM', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'jv-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'info' };
    delete env.REDIS_URL;
    delete env.JPKI_VALIDATOR_CONFIG;
    const child = spawn(process.execPath, [BIN, 'start'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let logs = '';
      child.stdout.on('data', (chunk: Buffer) => {
        logs += chunk.toString();
      });
      const urls = await new Promise<string[]>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const found = out.match(/http:\/\/127\.0\.0\.1:\d+\/v1\/status\/\S+/g);
          if (found && found.length === 4) resolve(found);
        });
        child.once('exit', (code) => reject(new Error(`start exited ${code} before printing the commands: ${out}`)));
      });
      expect(out).toContain("curl -s -H 'Accept-Language: ja' ");
      const get = async (u: string, headers: Record<string, string> = {}) =>
        (await (await fetch(u, { headers })).json()) as Record<string, unknown>;
      const [good, dead, phone, testCard] = [
        await get(urls[0] ?? ''),
        await get(urls[1] ?? '', { 'Accept-Language': 'ja' }),
        await get(urls[2] ?? ''),
        await get(urls[3] ?? ''),
      ];
      expect(good).toMatchObject({ status: 'good', source: 'crl', medium: 'card' });
      expect(good).not.toHaveProperty('meaningLabel');
      expect(dead).toMatchObject({
        status: 'revoked',
        reason: 'affiliationChanged',
        meaning: 'death_or_emigration',
        meaningLabel: '死亡または国外転出',
      });
      expect(phone).toMatchObject({ status: 'good', source: 'ocsp', medium: 'smartphone', caId: 'jpki-smartphone-auth-2023' });
      expect(testCard).toMatchObject({ serial: '7F00D016', status: 'revoked', reason: 'unspecified', caId: 'jpki-sign-2023' });

      const base = /^(http:\/\/127\.0\.0\.1:\d+)/.exec(urls[0] ?? '')?.[1] ?? '';
      const issued = join(cwd, '.jpki-validator', 'demo', 'sim', 'issued');
      for (const [serial, kind, status, reason, result] of TABLE) {
        const answer = await get(`${base}/v1/status/jpki-${kind}/${serial}`);
        expect(answer, serial).toMatchObject({ serial, status, reason, medium: 'card', source: 'crl' });
        const certificate = await readFile(join(issued, `jpki-${kind}-2023`, `${serial}.pem`), 'utf8');
        const report = (await (
          await fetch(`${base}/v1/validate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ certificate }),
          })
        ).json()) as { result: string; certificate: Record<string, unknown> };
        expect(report.result, serial).toBe(result);
        expect(report.certificate, serial).toMatchObject({ serial, kind, medium: 'card', caId: `jpki-${kind}-2023` });
      }

      const csv = `serial,issuer\n${TABLE.map(([serial, kind]) => `${serial},jpki-${kind}`).join('\n')}\n`;
      const checked = await runCli(['check', '--api', base], { cwd, stdin: csv });
      expect(checked.code, checked.stderr).toBe(0);
      const lines = checked.stdout.trim().split('\n');
      expect(lines[0]).toBe('serial,issuer,status,reason,meaning,revokedAt,source,crlNumber,detail,medium');
      TABLE.forEach(([serial, , status, reason], i) => {
        const cells = (lines[i + 1] ?? '').split(',');
        expect(cells.slice(0, 4), serial).toEqual([serial, expect.any(String), status, reason ?? '']);
        expect(cells[9], serial).toBe('card');
      });

      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // stdout is not a terminal here: every line is a JSON log line, the banner is not among them
      const logLines = logs.trimEnd().split('\n');
      expect(logLines.length).toBeGreaterThan(3);
      for (const line of logLines) expect(() => JSON.parse(line), line).not.toThrow();
      expect(logs).not.toContain('curl');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(cwd, { recursive: true, force: true });
    }
  }, 120_000);
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
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    try {
      // the banner is on stderr (stdout carries the logs)
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
          if ((err.match(/curl -s/g) ?? []).length === 4) resolve();
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
