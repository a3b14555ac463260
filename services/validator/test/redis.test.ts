/**
 * The running service (startValidator: config, Redis, listen) over real HTTP against real Redis with a random key prefix: answers
 * from the in-memory replica, a new generation picked up through the switch event, and a Redis that never answered
 * (`store_unavailable`, /readyz 503, never good). Graceful close.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@jpki-validator/config';
import type { IssuedCertificate } from '@jpki-validator/sim';
import { createRedisStore, type RedisRevocationStore } from '@jpki-validator/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startValidator, type RunningValidator } from '../src/server.js';
import { loadCrlFile, silentLogger, simWorld, tempDir, writeConfig, writePartitionCrls, type SimWorld } from './helpers.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const CA = 'jpki-sign-2023';
const prefix = `test-validator-${randomBytes(4).toString('hex')}`;
let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let store: RedisRevocationStore;
let running: RunningValidator;
let good: IssuedCertificate;
let dead: IssuedCertificate;
let configFile: string;

async function json(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await probe();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await probe())}`);
}

beforeAll(async () => {
  tmp = await tempDir('redis');
  world = await simWorld(tmp.path);
  good = await world.sim.issueCertificate({ ca: CA });
  dead = await world.sim.issueCertificate({ ca: CA });
  await world.sim.revoke({ ca: CA, serial: dead.serial, reason: 'affiliationChanged' });
  const crls = await writePartitionCrls(world, CA);
  store = createRedisStore({ redis: REDIS_URL, prefix });
  for (const p of crls) await loadCrlFile(store, CA, p.name, p.source);
  configFile = await writeConfig(tmp.path, 'redis', [{ id: CA, group: 'jpki-sign', caCert: world.sim.caCertificatePath(CA), crls }]);
  running = await startValidator({
    config: loadConfig({ file: configFile, env: { REDIS_URL } }),
    logger: silentLogger,
    redisPrefix: prefix,
    port: 0,
    host: '127.0.0.1',
  });
});

afterAll(async () => {
  await running?.close();
  await store?.close();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.unlink(...keys);
  await redis.quit();
  await world?.close();
  await tmp?.remove();
});

describe('validator on Redis', () => {
  it('answers from the replica over real HTTP, and becomes ready', async () => {
    await until(
      () => json(`${running.url}/readyz`),
      (r) => r.status === 200,
      'readiness',
    );
    expect((await json(`${running.url}/v1/status/${CA}/${good.serial}`)).body).toMatchObject({ status: 'good', source: 'crl' });
    expect((await json(`${running.url}/v1/status/jpki-sign/${dead.serial}`)).body).toMatchObject({
      status: 'revoked',
      reason: 'affiliationChanged',
      meaning: 'death_or_emigration',
      caId: CA,
    });
  });

  it('picks up a new generation through the switch event', async () => {
    await world.sim.advance();
    await world.sim.revoke({ ca: CA, serial: good.serial, reason: 'superseded' });
    for (const p of await writePartitionCrls(world, CA)) await loadCrlFile(store, CA, p.name, p.source);
    const answer = await until(
      () => json(`${running.url}/v1/status/${CA}/${good.serial}`),
      (r) => r.body.status === 'revoked',
      'the switch',
    );
    expect(answer.body).toMatchObject({ reason: 'superseded', meaning: 'basic_info_changed' });
  });

  it('answers unknown / store_unavailable (200) and is not ready while Redis has never answered', async () => {
    const down = await startValidator({
      config: loadConfig({ file: configFile, env: { REDIS_URL: 'redis://127.0.0.1:9' } }),
      logger: silentLogger,
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const answer = await json(`${down.url}/v1/status/${CA}/${good.serial}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'unknown', detail: 'store_unavailable' });
      const ready = await json(`${down.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.body.store).toBe('down');
    } finally {
      await down.close();
    }
  });

  it('with a drain delay, close() first turns /readyz 503 while still answering, then stops accepting', async () => {
    const draining = await startValidator({
      config: loadConfig({ file: configFile, env: { REDIS_URL } }),
      logger: silentLogger,
      redisPrefix: prefix,
      port: 0,
      host: '127.0.0.1',
      drainDelayMs: 1_500,
    });
    await until(
      () => json(`${draining.url}/readyz`),
      (r) => r.status === 200,
      'readiness',
    );
    const closed = draining.close();
    const ready = await json(`${draining.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^draining/)]));
    // still serving while the balancer notices: answers, not refusals
    expect((await json(`${draining.url}/v1/status/${CA}/${dead.serial}`)).body).toMatchObject({ status: 'revoked' });
    await closed;
    await expect(fetch(`${draining.url}/healthz`)).rejects.toThrow();
  });
});
