/** What the watcher's tests share: a one-CA simulator, its trusted CA, and the events a file sink wrote. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_FETCH_TUNING } from '@jpki-validator/config';
import { loadTrustedCa, type TrustedCa } from '@jpki-validator/crl-fetcher';
import { initSimulator, type Simulator } from '@jpki-validator/sim';
import type { WatchEvent } from '@jpki-validator/watch';

export const CA_ID = 'jpki-sign-2023';

/** a signature CA of `population` seeded serials, its epoch three days back (so its CRLs are current) */
export async function watchSimulator(dir: string, seed: number, population: number, revokedRate: number): Promise<Simulator> {
  return initSimulator({
    dir: join(dir, 'sim'),
    seed,
    populationPerCa: population,
    revokedRate,
    generations: [2023],
    kinds: ['sign'],
    partitions: 1,
    epoch: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 86_400_000),
  });
}

/** the simulator's CA as the fetcher trusts it */
export function trustedCa(sim: Simulator): Promise<TrustedCa> {
  return loadTrustedCa({
    id: CA_ID,
    group: 'jpki-sign',
    caCertPath: sim.caCertificatePath(CA_ID),
    partitions: [],
    fetch: { ...DEFAULT_FETCH_TUNING },
    ocsp: null,
    refresh: { intervalMs: 60_000 },
    freshness: { graceSeconds: 0, skewSeconds: 300 },
    mode: 'crl-first',
    retired: false,
    kind: 'sign',
  });
}

/** every event in the `.jsonl` files of a file sink's directory */
export function fileSinkEvents(dir: string): WatchEvent[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .flatMap((n) =>
      readFileSync(join(dir, n), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as WatchEvent),
    );
}
