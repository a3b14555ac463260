import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { initSimulator, type Simulator } from '@jpki-validator/sim';
import { createRedisStore, openEmbeddedStore, type RevocationStore } from '@jpki-validator/store';
import { crlSlot, type IssuerConfig } from '@jpki-validator/config';

export const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

export interface StoreHandle {
  store: RevocationStore;
  close(): Promise<void>;
}

/** Each test gets its own store: a fresh data directory, or a random key prefix on the real Redis (removed afterwards). */
export const STORES: Record<string, () => Promise<StoreHandle>> = {
  embedded: async () => {
    const store = await openEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'jv-fetch-store-')) });
    return { store, close: () => store.close() };
  },
  redis: async () => {
    const prefix = `jvtest:${randomBytes(6).toString('hex')}:`;
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    const store = await createRedisStore({ redis: REDIS_URL, prefix });
    return {
      store,
      async close() {
        await store.close();
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      },
    };
  },
};

/** A small simulator: one signature CA generation, two partitions, a few thousand serials. */
export async function smallSimulator(partitions = 2): Promise<{ sim: Simulator; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'jv-fetch-sim-'));
  const sim = await initSimulator({
    dir,
    seed: 7,
    populationPerCa: 4000,
    revokedRate: 0.2,
    generations: [2023],
    kinds: ['sign'],
    partitions,
  });
  return { sim, dir };
}

export const CA_ID = 'jpki-sign-2023';

/**
 * The config of the simulator's 2023 signature CA with these CRL slots: a simulator partition URL (`…/p0001.crl`) is a partition
 * slot named by its URL, anything else (a full CRL file, a drop directory) the CA's full-CRL slot. One try per run unless
 * `overrides.fetch` says otherwise (retries have their own tests).
 */
export function issuerConfig(
  sim: Simulator,
  crls: { name: string; source: string; scope?: 'full' | 'partition'; url?: string }[],
  overrides: Partial<IssuerConfig> = {},
): IssuerConfig {
  return {
    id: CA_ID,
    group: 'jpki-sign',
    caCertPath: sim.caCertificatePath(CA_ID),
    partitions: crls.map((c) =>
      crlSlot({
        name: c.name,
        source: c.source,
        scope: c.scope ?? (/\/p\d{4,}\.crl$/.test(c.source) ? 'partition' : 'full'),
        ...(c.url ? { url: c.url } : {}),
      }),
    ),
    fetch: { concurrency: 4, attempts: 1, backoffMs: 10 },
    ocsp: null,
    refresh: { intervalMs: 60_000 },
    freshness: { graceSeconds: 0, skewSeconds: 300 },
    mode: 'crl-first',
    retired: false,
    kind: 'sign',
    ...overrides,
  };
}

/** Copies a file with its last `cut` bytes dropped: a CRL that ends too early. */
export function truncatedCopy(file: string, cut: number): string {
  const out = `${file}.truncated.crl`;
  const bytes = readFileSync(file);
  writeFileSync(out, bytes.subarray(0, bytes.length - cut));
  return out;
}
