/**
 * The per-key rate limit comes from the config (`rateLimit`), through startValidator, over real HTTP: a small budget refuses the
 * request past its burst with 429. (`rateLimit: false` → no bucket: load.test.ts and the gate's own tests.)
 */
import { loadConfig } from '@jpki-validator/config';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startValidator } from '../src/server.js';
import { simWorld, tempDir, writeConfig, writePartitionCrls, type SimWorld } from './helpers.js';

const CA = 'jpki-sign-2023';
const KEY = 'rate-limit-key-0123456789';
let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let crls: Awaited<ReturnType<typeof writePartitionCrls>>;

beforeAll(async () => {
  tmp = await tempDir('rate-limit-config');
  world = await simWorld(tmp.path);
  crls = await writePartitionCrls(world, CA);
});

afterAll(async () => {
  await world?.close();
  await tmp?.remove();
});

/** the statuses of `n` status requests sent one after another with the key */
async function statuses(rateLimit: unknown, n: number): Promise<number[]> {
  const name = `rl-${JSON.stringify(rateLimit).replace(/\W/g, '')}`;
  const file = await writeConfig(tmp.path, name, [{ id: CA, group: 'jpki-sign', caCert: world.sim.caCertificatePath(CA), crls }], {
    dataDir: `${tmp.path}/${name}`,
    rateLimit,
  });
  const config = loadConfig({ file, env: { API_KEYS: KEY } });
  const running = await startValidator({ config, logger: pino({ level: 'silent' }), port: 0, host: '127.0.0.1' });
  try {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`http://127.0.0.1:${running.port}/v1/status/${CA}/1234`, { headers: { 'x-api-key': KEY } });
      await res.arrayBuffer();
      out.push(res.status);
    }
    return out;
  } finally {
    await running.close();
  }
}

it('a budget of 0.01 a second with a burst of 3: the fourth request is refused with 429', async () => {
  expect(await statuses({ perSecond: 0.01, burst: 3 }, 5)).toEqual([200, 200, 200, 429, 429]);
}, 60_000);
