/**
 * Login challenges across validators: two running validators (startValidator, real HTTP) share one real Redis under a random key
 * prefix. A challenge issued by one is accepted by the other, and when both race on the same answer exactly one accepts it.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@jpki-validator/config';
import { createRedisStore, type RedisRevocationStore } from '@jpki-validator/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startValidator, type RunningValidator } from '../src/server.js';
import { loadCrlFile, silentLogger, simWorld, tempDir, writeConfig, writePartitionCrls, type SimWorld } from './helpers.js';
import { b64, OpensslSigner, type Signer } from './verify-fixture.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const CA = 'jpki-auth-2023';
const prefix = `test-verify-${randomBytes(4).toString('hex')}`;
let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let store: RedisRevocationStore;
let validators: RunningValidator[] = [];
let auth: Signer;
let openssl: OpensslSigner;

async function post(base: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  tmp = await tempDir('verify-redis');
  world = await simWorld(tmp.path);
  openssl = new OpensslSigner(tmp.path);
  const issued = await world.sim.issueCertificate({ ca: CA });
  auth = await openssl.fromPem('auth', issued.pem, issued.privateKeyPem);
  const crls = await writePartitionCrls(world, CA);
  store = createRedisStore({ redis: REDIS_URL, prefix });
  for (const p of crls) await loadCrlFile(store, CA, p.name, p.source);
  const configFile = await writeConfig(tmp.path, 'redis', [{ id: CA, group: 'jpki-auth', caCert: world.sim.caCertificatePath(CA), crls }]);
  const config = loadConfig({ file: configFile, env: { REDIS_URL } });
  validators = await Promise.all(
    [0, 1].map(() => startValidator({ config, logger: silentLogger, redisPrefix: prefix, port: 0, host: '127.0.0.1' })),
  );
  // the replicas load in the background: wait until both vouch for the certificate
  for (const v of validators) {
    for (let i = 0; i < 100; i++) {
      const res = await post(v.url, '/v1/validate', { certificate: auth.certPem });
      if (res.result === 'valid') break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});

afterAll(async () => {
  for (const v of validators) await v.close();
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
  await store?.close();
  await world?.close();
  await tmp?.remove();
});

describe('challenges shared through Redis', () => {
  it('issued by one validator, answered at the other', async () => {
    const [a, b] = validators as [RunningValidator, RunningValidator];
    const c = (await post(a.url, '/v1/challenges', {})) as { challengeId: string; nonce: string };
    const signature = b64(await openssl.dgstSign(auth, Buffer.from(c.nonce, 'base64')));
    expect(await post(b.url, '/v1/verify', { certificate: auth.certPem, challengeId: c.challengeId, signature })).toMatchObject({
      result: 'valid',
      challenge: { status: 'accepted' },
    });
    expect(await post(a.url, '/v1/verify', { certificate: auth.certPem, challengeId: c.challengeId, signature })).toMatchObject({
      result: 'invalid',
      challenge: { status: 'unknown_or_used' },
    });
  });

  it('two validators racing on one challenge: exactly one accepts, every time', async () => {
    const [a, b] = validators as [RunningValidator, RunningValidator];
    for (let round = 0; round < 10; round++) {
      const c = (await post(round % 2 ? a.url : b.url, '/v1/challenges', {})) as { challengeId: string; nonce: string };
      const body = {
        certificate: auth.certPem,
        challengeId: c.challengeId,
        signature: b64(await openssl.dgstSign(auth, Buffer.from(c.nonce, 'base64'))),
      };
      const answers = await Promise.all([a, b, a, b, a, b].map((v) => post(v.url, '/v1/verify', body)));
      const statuses = answers.map((r) => (r.challenge as { status: string }).status).sort();
      expect(statuses).toEqual(['accepted', 'unknown_or_used', 'unknown_or_used', 'unknown_or_used', 'unknown_or_used', 'unknown_or_used']);
      expect(answers.filter((r) => r.result === 'valid')).toHaveLength(1);
    }
  });
});
