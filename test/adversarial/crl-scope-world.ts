/**
 * The world the semantic CRL cases run in: a simulator with two signature CA generations (2023 partitioned in two municipalities,
 * 2015 configured with its full CRL), an attacker on the path between it and the fetcher, the real store (embedded or Redis with
 * a random prefix), and the real validator answering over HTTP from what the fetcher loaded.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '@jpki-validator/config';
import { createLogger, fetchOnce, type FetchOnceResult } from '@jpki-validator/crl-fetcher';
import { initSimulator, type Simulator, type SimServer } from '@jpki-validator/sim';
import type { StatusAnswer } from '@jpki-validator/status';
import { createRedisStore, openEmbeddedStore, type RevocationStore } from '@jpki-validator/store';
import { linkEmbedded, startValidator, type RunningValidator } from '@jpki-validator/validator';
import { formatSerial } from '@jpki-validator/x509';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { REDIS_URL } from '../../services/crl-fetcher/test/helpers.js';

export { REDIS_URL };
import { startPathAttacker, type PathAttacker } from './crl-scope-helpers.js';

export const PARTITIONED = 'jpki-sign-2023';
export const FULL = 'jpki-sign-2015';
export type StoreKind = 'embedded' | 'redis';

export interface ScopeWorld {
  kind: StoreKind;
  dir: string;
  sim: Simulator;
  attacker: PathAttacker;
  config: Config;
  configFile: string;
  store: RevocationStore;
  validator: RunningValidator;
  prefix: string;
  /** the path part of a CRL URL the attacker can override */
  path(caId: string, partition: string | null): string;
  /** fetches every configured CRL through the attacker, as `fetch --once` does, then waits until the validator sees the result */
  fetch(): Promise<FetchOnceResult>;
  /**
   * waits until the store (another process may have written it: the embedded store reloads from its directory) holds these loads,
   * and the validator sees what the store holds
   */
  settle(loaded: readonly { caId: string; partition: string; crlNumber: string | null; outcome: string }[]): Promise<void>;
  /** the validator's answers for every serial of both populations, keyed `caId/serial` */
  answers(): Promise<Map<string, StatusAnswer>>;
  /** the simulator's truth for the same serials */
  truth(): Map<string, 'good' | 'revoked' | 'unknown'>;
  close(): Promise<void>;
}

const silent = pino({ level: 'silent' });
export const key = (caId: string, serial: string): string => `${caId}/${serial}`;

export async function openScopeWorld(kind: StoreKind, options: { seed?: number } = {}): Promise<ScopeWorld> {
  const dir = await mkdtemp(join(tmpdir(), `jv-adv-scope-${kind}-`));
  const sim = await initSimulator({
    dir: join(dir, 'sim'),
    seed: options.seed ?? 11,
    populationPerCa: 400,
    revokedRate: 0.2,
    generations: [2015, 2023],
    kinds: ['sign'],
    partitions: 2,
  });
  const server: SimServer = await sim.serve({ port: 0 });
  const attacker = await startPathAttacker(server.url);
  // the CA publishes at the attacker's address: every CRL's IDP and every certificate names it, as J-LIS's names its own
  await sim.setBaseUrl(attacker.url);
  const prefix = `jvadv:${randomBytes(5).toString('hex')}`;
  const configFile = join(dir, 'config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      issuers: [
        {
          id: PARTITIONED,
          group: 'jpki-sign',
          caCert: sim.caCertificatePath(PARTITIONED),
          crls: sim.partitionNames(PARTITIONED).map((p) => sim.crlUrl(PARTITIONED, p)),
          fetch: { attempts: 1 },
        },
        { id: FULL, group: 'jpki-sign', caCert: sim.caCertificatePath(FULL), crls: [sim.crlUrl(FULL)], fetch: { attempts: 1 } },
      ],
      dataDir: join(dir, 'data'),
    }),
  );
  const config = loadConfig({ file: configFile, env: kind === 'redis' ? { REDIS_URL } : {} });
  const embedded = kind === 'embedded' ? await openEmbeddedStore({ dataDir: config.dataDir }) : null;
  const store: RevocationStore = embedded ?? createRedisStore({ redis: REDIS_URL, prefix });
  const validator = await startValidator({
    config,
    logger: silent,
    port: 0,
    host: '127.0.0.1',
    ...(embedded ? { store: linkEmbedded(embedded, false) } : { redisPrefix: prefix }),
  });
  const fetcherLogger = createLogger({ level: 'silent' });

  const serialsOf = (caId: string): number[] => {
    const ca = sim.listCas().find((c) => c.id === caId);
    if (!ca) throw new Error(`no CA ${caId}`);
    return Array.from({ length: ca.population }, (_, i) => ca.serialBase + i);
  };

  async function visible(): Promise<void> {
    // the validator's view (the Redis replica follows switch events) has caught up with the store
    for (let i = 0; i < 200; i++) {
      const res = (await (await fetch(`${validator.url}/v1/issuers`)).json()) as {
        issuers: { id: string; partitions: { name: string; crlNumber: string | null }[] }[];
      };
      let same = true;
      for (const ca of res.issuers) {
        const stored = new Map((await store.partitions(ca.id)).map((m) => [m.partition, m.crlNumber.toString()]));
        for (const p of ca.partitions) if ((stored.get(p.name) ?? null) !== p.crlNumber) same = false;
      }
      if (same) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the validator did not catch up with the store');
  }

  return {
    kind,
    dir,
    sim,
    attacker,
    config,
    configFile,
    store,
    validator,
    prefix,
    path: (caId, partition) => new URL(sim.crlUrl(caId, partition)).pathname,
    async fetch() {
      const result = await fetchOnce(config, store, fetcherLogger);
      await visible();
      return result;
    },
    async settle(loaded) {
      for (let i = 0; ; i++) {
        let all = true;
        for (const r of loaded.filter((l) => l.outcome === 'loaded')) {
          const meta = (await store.partitions(r.caId)).find((m) => m.partition === r.partition);
          if (meta?.crlNumber.toString() !== r.crlNumber) all = false;
        }
        if (all) break;
        if (i > 400) throw new Error('the store did not see the loads');
        await new Promise((r) => setTimeout(r, 25));
      }
      await visible();
    },
    async answers() {
      const items = [PARTITIONED, FULL].flatMap((caId) => serialsOf(caId).map((s) => ({ issuer: caId, serial: formatSerial(BigInt(s)) })));
      const res = await fetch(`${validator.url}/v1/status/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      const { results } = (await res.json()) as { results: StatusAnswer[] };
      return new Map(results.map((a) => [key(a.issuer, a.serial), a]));
    },
    truth() {
      const out = new Map<string, 'good' | 'revoked' | 'unknown'>();
      for (const caId of [PARTITIONED, FULL]) {
        for (const s of serialsOf(caId)) out.set(key(caId, formatSerial(BigInt(s))), sim.status(caId, s).status);
      }
      return out;
    },
    async close() {
      await validator.close();
      await store.close();
      await attacker.close();
      await server.close();
      if (kind === 'redis') {
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.unlink(...keys);
        await redis.quit();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A serial of `caId`'s population (in `partition`, when given) that is good now. */
export function goodSerialIn(world: ScopeWorld, caId: string, partition: string | null, avoid: ReadonlySet<number> = new Set()): number {
  const ca = world.sim.listCas().find((c) => c.id === caId);
  if (!ca) throw new Error(`no CA ${caId}`);
  for (let s = ca.serialBase; s < ca.serialBase + ca.population; s++) {
    if (avoid.has(s)) continue;
    if (partition !== null && world.sim.partitionOf(caId, s) !== partition) continue;
    if (world.sim.status(caId, s).status === 'good') return s;
  }
  throw new Error(`no good serial left in ${caId}/${partition ?? 'any'}`);
}

/** Answers compared on what a client acts on. */
export const verdictOf = (a: StatusAnswer | undefined): string =>
  a === undefined ? 'missing' : `${a.status}|${a.reason ?? ''}|${a.revokedAt ?? ''}|${a.detail ?? ''}|${a.caId ?? ''}`;

/** good answers for serials the reference does not call good (the reference: a previous answer, or the simulator's truth) */
export function wrongGoods(answers: Map<string, StatusAnswer>, reference: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, a] of answers) if (a.status === 'good' && reference.get(k) !== 'good') out.push(k);
  return out;
}
