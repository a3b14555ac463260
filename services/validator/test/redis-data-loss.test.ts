/**
 * The validator when Redis loses its data (issue 10 #3), on a private redis-server: after FLUSHALL the CRLs are loaded again under
 * a new epoch (generations from 1) with a revocation made meanwhile. The validator must answer from the new data — its old copy
 * holds a higher generation and would answer `good` for the newly revoked certificate — and say so: a log line, /readyz's
 * storeDataLoss, and jpki_validator_store_data_loss_total.
 */
import { join } from 'node:path';
import { loadConfig } from '@jpki-validator/config';
import type { IssuedCertificate } from '@jpki-validator/sim';
import { createRedisStore, type RedisRevocationStore } from '@jpki-validator/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '@jpki-validator/private-redis';
import { startValidator, type RunningValidator } from '../src/server.js';
import { loadCrlFile, silentLogger, simWorld, tempDir, writeConfig, writePartitionCrls, type SimWorld } from './helpers.js';

const CA = 'jpki-sign-2023';
let redis: PrivateRedis;
let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let writer: RedisRevocationStore;
let running: RunningValidator;
let soonDead: IssuedCertificate;

async function json(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await probe())}`);
}

async function loadAll(): Promise<Awaited<ReturnType<typeof writePartitionCrls>>> {
  const crls = await writePartitionCrls(world, CA);
  for (const p of crls) await loadCrlFile(writer, CA, p.name, p.source);
  return crls;
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  tmp = await tempDir('data-loss');
  world = await simWorld(tmp.path);
  soonDead = await world.sim.issueCertificate({ ca: CA });
  writer = createRedisStore({ redis: redis.url, highWaterFile: join(tmp.path, 'crl-high-water.json') });
  const crls = await loadAll();
  const configFile = await writeConfig(tmp.path, 'data-loss', [
    { id: CA, group: 'jpki-sign', caCert: world.sim.caCertificatePath(CA), crls },
  ]);
  running = await startValidator({
    config: loadConfig({ file: configFile, env: { REDIS_URL: redis.url } }),
    logger: silentLogger,
    port: 0,
    host: '127.0.0.1',
  });
});

afterAll(async () => {
  await running?.close();
  await writer?.close();
  await world?.close();
  await tmp?.remove();
  await redis?.stop();
});

describe('validator after Redis lost its data', () => {
  it('answers from the new epoch (no wrong good) and says so in /readyz and /metrics', async () => {
    await until(
      () => json(`${running.url}/readyz`),
      (r) => r.status === 200,
      'readiness',
    );
    expect((await json(`${running.url}/v1/status/${CA}/${soonDead.serial}`)).body).toMatchObject({ status: 'good' });
    expect((await json(`${running.url}/readyz`)).body.storeDataLoss).toEqual([]);

    const admin = new Redis(redis.url);
    await admin.flushall();
    await admin.quit();
    await world.sim.revoke({ ca: CA, serial: soonDead.serial, reason: 'affiliationChanged' });
    await loadAll();

    await until(
      () => json(`${running.url}/v1/status/${CA}/${soonDead.serial}`),
      (r) => r.body.status === 'revoked',
      'the certificate revoked after the data loss to answer revoked',
    );
    // the first revoked answer can come before the replica holds every partition of the new epoch: ready once it does
    const ready = await until(
      () => json(`${running.url}/readyz`),
      (r) => r.status === 200,
      'readiness again after the reload',
    );
    expect(ready.body.storeDataLoss).toEqual([
      expect.objectContaining({ caId: CA, previousEpoch: expect.any(String), detail: expect.stringContaining(CA) }),
    ]);
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/jpki_validator_store_data_loss_total\{ca="jpki-sign-2023"\} 1/);
  });
});
