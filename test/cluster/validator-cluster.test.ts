/**
 * The deploy/ topology in small: two stateless validators (startValidator, real HTTP) on REDIS_URL=redis+cluster://…, each
 * holding the current generation in memory; a loader switches a new generation in and both answer from it without a restart.
 */
import { loadConfig } from '@jpki-validator/config';
import type { IssuedCertificate } from '@jpki-validator/sim';
import { createRedisStore, type RedisRevocationStore } from '@jpki-validator/store';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startValidator, type RunningValidator } from '../../services/validator/src/server.js';
import {
  loadCrlFile,
  silentLogger,
  simWorld,
  tempDir,
  writeConfig,
  writePartitionCrls,
  type SimWorld,
} from '../../services/validator/test/helpers.js';
import { CLUSTER_URL, keysUnder, openCluster, randomPrefix, startCluster, unlinkKeys } from './cluster-helpers.js';

const CA = 'jpki-sign-2023';
const prefix = randomPrefix('validator');
let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let cluster: Cluster;
let store: RedisRevocationStore;
let validators: RunningValidator[] = [];
let good: IssuedCertificate;
let dead: IssuedCertificate;

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

beforeAll(async () => {
  await startCluster();
  cluster = openCluster();
  tmp = await tempDir('cluster');
  world = await simWorld(tmp.path);
  good = await world.sim.issueCertificate({ ca: CA });
  dead = await world.sim.issueCertificate({ ca: CA });
  await world.sim.revoke({ ca: CA, serial: dead.serial, reason: 'affiliationChanged' });
  const crls = await writePartitionCrls(world, CA);
  store = createRedisStore({ redis: CLUSTER_URL, prefix });
  for (const p of crls) await loadCrlFile(store, CA, p.name, p.source);
  const configFile = await writeConfig(tmp.path, 'cluster', [
    { id: CA, group: 'jpki-sign', caCert: world.sim.caCertificatePath(CA), crls },
  ]);
  const config = loadConfig({ file: configFile, env: { REDIS_URL: CLUSTER_URL } });
  for (let i = 0; i < 2; i++)
    validators.push(await startValidator({ config, logger: silentLogger, redisPrefix: prefix, port: 0, host: '127.0.0.1' }));
});

afterAll(async () => {
  for (const v of validators) await v.close();
  validators = [];
  await store?.close();
  if (cluster) {
    await unlinkKeys(cluster, await keysUnder(cluster, prefix));
    await cluster.quit();
  }
  await world?.close();
  await tmp?.remove();
});

describe('two validators on a Redis Cluster', () => {
  it('both become ready and answer from their in-memory replica', async () => {
    for (const v of validators) {
      await until(
        () => json(`${v.url}/readyz`),
        (r) => r.status === 200,
        `readiness of ${v.url}`,
      );
      expect((await json(`${v.url}/v1/status/${CA}/${good.serial}`)).body).toMatchObject({ status: 'good', source: 'crl' });
      expect((await json(`${v.url}/v1/status/jpki-sign/${dead.serial}`)).body).toMatchObject({
        status: 'revoked',
        reason: 'affiliationChanged',
        caId: CA,
      });
    }
  });

  it('a CRL switch reaches every validator through the cluster pub/sub', async () => {
    await world.sim.advance();
    await world.sim.revoke({ ca: CA, serial: good.serial, reason: 'superseded' });
    for (const p of await writePartitionCrls(world, CA)) await loadCrlFile(store, CA, p.name, p.source);
    for (const v of validators) {
      const answer = await until(
        () => json(`${v.url}/v1/status/${CA}/${good.serial}`),
        (r) => r.body.status === 'revoked',
        `the switch at ${v.url}`,
      );
      expect(answer.body).toMatchObject({ reason: 'superseded', meaning: 'basic_info_changed' });
    }
  });
});
