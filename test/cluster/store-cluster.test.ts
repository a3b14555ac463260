/**
 * The revocation store on a real Redis Cluster (3 masters): the shared case suite every store passes, then what a cluster adds —
 * a CA's keys in one slot (the switch script touches several), CAs spread over different masters, switch events published on
 * one master reaching a replica connected elsewhere, and the CA-id list kept outside any CA's slot.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Cluster } from 'ioredis';
import {
  createRedisStore,
  startRedisReplica,
  type LoadOptions,
  type RedisRevocationStore,
  type RevocationStore,
  type SwitchEvent,
} from '@jpki-validator/store';
import { runStoreCases } from '../../packages/store/test/store.cases.js';
import { CLUSTER_URL, keysUnder, openCluster, ownerOf, randomPrefix, slotOf, startCluster, unlinkKeys } from './cluster-helpers.js';

beforeAll(startCluster);

runStoreCases('redis cluster', async () => {
  const prefix = randomPrefix('store');
  const cluster = openCluster();
  const opened: RevocationStore[] = [];
  const open = (): RevocationStore => {
    const s = createRedisStore({ redis: CLUSTER_URL, prefix });
    opened.push(s);
    return s;
  };
  const store = open();
  return {
    store,
    another: async () => open(),
    residue: async () => (await keysUnder(cluster, prefix)).length,
    storedBytes: async () => {
      let n = 0;
      for (const k of await keysUnder(cluster, prefix)) n += (await cluster.memory('USAGE', k)) ?? 0;
      return n;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      await unlinkKeys(cluster, await keysUnder(cluster, prefix));
      await cluster.quit();
    },
  };
});

const T0 = Date.UTC(2026, 9, 1, 3, 0, 0);
const DAY = 86_400_000;
const KEY_COMPROMISE = 1;
const AFFILIATION_CHANGED = 3;

function options(caId: string, crlNumber: bigint): LoadOptions {
  return {
    caId,
    partition: 'p1',
    crlNumber,
    thisUpdateMs: T0,
    nextUpdateMs: T0 + DAY,
    isDelta: false,
    source: 'http://crl.example/p1.crl',
    loadedAtMs: T0,
  };
}

async function load(store: RevocationStore, caId: string, crlNumber: bigint, serials: [number, number][]): Promise<void> {
  const loader = await store.beginLoad(options(caId, crlNumber));
  for (const [serial, reason] of serials) loader.add(serial, reason, T0, Number.NaN);
  // a long serial too: the fallback hash is one more key that must share the CA's slot
  loader.addLong(-1n, KEY_COMPROMISE, T0, Number.NaN);
  expect((await loader.commit()).outcome).toBe('switched');
}

describe('redis cluster: what the cluster changes', () => {
  let cluster: Cluster;
  let prefix: string;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(() => {
    cluster = openCluster();
    prefix = randomPrefix('specific');
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await unlinkKeys(cluster, await keysUnder(cluster, prefix));
    await cluster.quit();
  });

  function openStore(): RedisRevocationStore {
    const store = createRedisStore({ redis: CLUSTER_URL, prefix });
    closers.push(() => store.close());
    return store;
  }

  /** one CA id per master, so the test crosses every node */
  async function caIdsOnEveryMaster(): Promise<string[]> {
    const byMaster = new Map<string, string>();
    for (let i = 0; byMaster.size < cluster.nodes('master').length && i < 1000; i++) {
      const caId = `jpki-sign-${2000 + i}`;
      const owner = await ownerOf(cluster, openStore().keys.ca(caId).current);
      if (!byMaster.has(owner)) byMaster.set(owner, caId);
    }
    expect(byMaster.size).toBe(3);
    return [...byMaster.values()];
  }

  it("keeps every key of a CA in the CA's slot, with CAs spread over every master", async () => {
    const store = openStore();
    const caIds = await caIdsOnEveryMaster();
    for (const [i, caId] of caIds.entries())
      await load(store, caId, 10n, [
        [1, KEY_COMPROMISE],
        [2 ** 21 + i, AFFILIATION_CHANGED],
      ]);
    for (const caId of caIds) {
      const keys = await keysUnder(cluster, `${prefix}:{${caId}}`);
      expect(keys.length).toBe(4); // cur, parts, the partition's run, the latest change list
      const slots = new Set(await Promise.all(keys.map((k) => slotOf(cluster, k))));
      expect(slots.size).toBe(1);
    }
    expect(await store.caIds()).toEqual([...caIds].sort());
    for (const [i, caId] of caIds.entries()) {
      expect((await store.lookup(caId, BigInt(2 ** 21 + i))).entry?.reasonCode).toBe(AFFILIATION_CHANGED);
      expect((await store.lookup(caId, -1n)).entry?.reasonCode).toBe(KEY_COMPROMISE);
      expect((await store.lookupMany(caId, [1, 2, 2 ** 21 + i])).reasonCodes[2]).toBe(AFFILIATION_CHANGED);
    }
  });

  it('a replica on another connection learns of every switch, whichever master published it', async () => {
    const writer = openStore();
    const caIds = await caIdsOnEveryMaster();
    await load(writer, caIds[0] ?? '', 10n, [[5, KEY_COMPROMISE]]); // loaded before the replica starts: read at start
    const replica = await startRedisReplica(openStore());
    closers.push(() => replica.close());
    expect(replica.snapshot(caIds[0] ?? '')?.generation).toBe(1);

    const seen: SwitchEvent[] = [];
    const arrived = (caId: string, generation: number) =>
      new Promise<void>((resolve) => {
        const off = replica.subscribe((e) => {
          seen.push(e);
          if (e.caId === caId && e.generation === generation) {
            off();
            resolve();
          }
        });
      });
    for (const caId of caIds) {
      const generation = (replica.snapshot(caId)?.generation ?? 0) + 1;
      const event = arrived(caId, generation);
      await load(writer, caId, 11n, [[7, AFFILIATION_CHANGED]]);
      await event;
      // the replica swapped the generation in before telling: a lookup needs no round trip
      expect((await replica.lookup(caId, 7n)).entry?.reasonCode).toBe(AFFILIATION_CHANGED);
      expect(replica.snapshot(caId)?.generation).toBe(generation);
    }
    expect(seen.map((e) => e.caId)).toEqual(expect.arrayContaining(caIds));
    expect(await replica.caIds()).toEqual([...caIds].sort());
  });

  it('the CA-id list: an id listed by a loader that died before its switch does not count; a refused first load unlists', async () => {
    const store = openStore();
    // what a loader killed between listing and switching leaves: the id, no generation
    await cluster.sadd(store.keys.cas, 'jpki-sign-died');
    expect(await store.caIds()).toEqual([]);
    expect((await store.lookup('jpki-sign-died', 1n)).loaded).toBe(false);

    const refused = await store.beginLoad({ ...options('jpki-sign-delta', 5n), isDelta: true, baseCrlNumber: 4n });
    refused.add(1, KEY_COMPROMISE, T0, Number.NaN);
    await expect(refused.commit()).rejects.toMatchObject({ code: 'DELTA_BASE' });
    expect(await cluster.sismember(store.keys.cas, 'jpki-sign-delta')).toBe(0);
  });
});
