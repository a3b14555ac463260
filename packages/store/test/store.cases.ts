/**
 * The one case suite every RevocationStore implementation passes (hono `common.case.test.ts` style): run by redis-store.test.ts and
 * embedded-store.test.ts with a factory that opens a store on fresh, isolated storage.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeltaBaseError, EntryError, RollbackError, StoreError } from '../src/errors.js';
import type { CommitReport, GenerationChange, LoadOptions, RevocationStore, SwitchEvent } from '../src/types.js';

export interface StoreHarness {
  store: RevocationStore;
  /** another store instance on the same storage (another process's view; also a restart) */
  another(): Promise<RevocationStore>;
  /** keys (Redis) or files (embedded) the storage holds */
  residue(): Promise<number>;
  /** bytes the storage holds for the data (Redis MEMORY USAGE sum, embedded file sizes) */
  storedBytes(): Promise<number>;
  cleanup(): Promise<void>;
}

const CA = 'jpki-sign-2023';
const T0 = Date.UTC(2026, 9, 1, 3, 0, 0);
const DAY = 86_400_000;
// reason codes
const KEY_COMPROMISE = 1;
const AFFILIATION_CHANGED = 3;
const SUPERSEDED = 4;
const CERTIFICATE_HOLD = 6;
const REMOVE_FROM_CRL = 8;

type Entry = [serial: number | bigint, reason: number, revokedAtMs: number, invalidityMs?: number];

function opts(crlNumber: bigint, extra: Partial<LoadOptions> = {}): LoadOptions {
  return {
    caId: CA,
    partition: 'p1',
    crlNumber,
    thisUpdateMs: T0,
    nextUpdateMs: T0 + DAY,
    isDelta: false,
    source: 'http://crl.example/p1.crl',
    loadedAtMs: T0 + 1000,
    ...extra,
  };
}

async function load(store: RevocationStore, options: LoadOptions, entries: Entry[]): Promise<CommitReport> {
  const loader = await store.beginLoad(options);
  for (const [serial, reason, revokedAt, inval] of entries) {
    if (typeof serial === 'bigint') loader.addLong(serial, reason, revokedAt, inval ?? Number.NaN);
    else loader.add(serial, reason, revokedAt, inval ?? Number.NaN);
  }
  return loader.commit();
}

async function reasonOf(store: RevocationStore, serial: bigint): Promise<number> {
  return (await store.lookup(CA, serial)).entry?.reasonCode ?? -1;
}

function nextEvent(store: RevocationStore, timeoutMs = 5000): Promise<SwitchEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('no switch event'));
    }, timeoutMs);
    const off = store.subscribe((e) => {
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

export function runStoreCases(name: string, factory: () => Promise<StoreHarness>): void {
  describe(`${name}: shared store cases`, () => {
    let h: StoreHarness;
    let store: RevocationStore;
    beforeEach(async () => {
      h = await factory();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('first load: listed entries with reason and dates, unlisted serials, metadata', async () => {
      const report = await load(store, opts(10n), [
        [0x10, KEY_COMPROMISE, T0 - DAY, T0 - 2 * DAY],
        [0x11, -1, T0 - DAY],
        [2 ** 20 + 5, AFFILIATION_CHANGED, T0 - 3 * DAY],
        [3 * 2 ** 20, CERTIFICATE_HOLD, T0],
      ]);
      expect(report).toMatchObject({ outcome: 'switched', generation: 1, entries: 4, crlNumber: 10n });
      expect(await store.lookup(CA, 0x10n)).toMatchObject({
        loaded: true,
        generation: 1,
        entry: { reasonCode: KEY_COMPROMISE, revokedAtMs: T0 - DAY, invalidityMs: T0 - 2 * DAY },
      });
      // no reasonCode extension → unspecified; no invalidityDate → NaN
      const noReason = await store.lookup(CA, 0x11n);
      expect(noReason.entry?.reasonCode).toBe(0);
      expect(noReason.entry?.invalidityMs).toBeNaN();
      expect(await reasonOf(store, BigInt(2 ** 20 + 5))).toBe(AFFILIATION_CHANGED);
      expect(await reasonOf(store, BigInt(3 * 2 ** 20))).toBe(CERTIFICATE_HOLD);
      for (const s of [0n, 0x12n, BigInt(2 ** 20 + 4), 0xffffffffn]) expect((await store.lookup(CA, s)).entry).toBeNull();
      const parts = await store.partitions(CA);
      expect(parts).toEqual([
        {
          partition: 'p1',
          crlNumber: 10n,
          fullCrlNumber: 10n,
          isDelta: false,
          thisUpdateMs: T0,
          nextUpdateMs: T0 + DAY,
          entries: 4,
          loadedAtMs: T0 + 1000,
          source: 'http://crl.example/p1.crl',
          generation: 1,
        },
      ]);
      expect(await store.caIds()).toEqual([CA]);
      const bulk = await store.lookupMany(CA, [0x10, 0x12, 2 ** 20 + 5, 3 * 2 ** 20, 7]);
      expect([...bulk.reasonCodes]).toEqual([KEY_COMPROMISE, -1, AFFILIATION_CHANGED, CERTIFICATE_HOLD, -1]);
      expect(bulk.revokedAtMs[0]).toBe(T0 - DAY);
      expect(bulk.revokedAtMs[1]).toBeNaN();
      expect(bulk.invalidityMs[0]).toBe(T0 - 2 * DAY);
      expect(bulk.loaded).toBe(true);
    });

    it('an unknown CA is not loaded', async () => {
      expect(await store.lookup('nobody', 1n)).toMatchObject({ loaded: false, entry: null, partitions: [] });
      const bulk = await store.lookupMany('nobody', [1, 2]);
      expect(bulk.loaded).toBe(false);
      expect([...bulk.reasonCodes]).toEqual([-1, -1]);
    });

    it('update: new entries listed, dropped ones stay revoked (final), the latest reason and date win', async () => {
      await load(store, opts(10n), [
        [1, CERTIFICATE_HOLD, T0],
        [2, SUPERSEDED, T0],
        [3, KEY_COMPROMISE, T0],
      ]);
      const report = await load(store, opts(11n, { thisUpdateMs: T0 + DAY, nextUpdateMs: T0 + 2 * DAY }), [
        [1, AFFILIATION_CHANGED, T0 + 100_000],
        [4, SUPERSEDED, T0 + DAY],
      ]);
      expect(report).toMatchObject({ outcome: 'switched', generation: 2, entries: 2 });
      expect((await store.lookup(CA, 1n)).entry).toEqual({
        reasonCode: AFFILIATION_CHANGED,
        revokedAtMs: T0 + 100_000,
        invalidityMs: Number.NaN,
      });
      expect(await reasonOf(store, 2n)).toBe(SUPERSEDED); // dropped by CRL 11, still revoked
      expect(await reasonOf(store, 3n)).toBe(KEY_COMPROMISE);
      expect(await reasonOf(store, 4n)).toBe(SUPERSEDED);
      expect((await store.partitions(CA))[0]).toMatchObject({ crlNumber: 11n, entries: 2, nextUpdateMs: T0 + 2 * DAY, generation: 2 });
    });

    it('diffGenerations reports what changed between the previous and the current generation', async () => {
      await load(store, opts(10n), [
        [1, CERTIFICATE_HOLD, T0],
        [2, SUPERSEDED, T0],
        [2 ** 21, SUPERSEDED, T0],
      ]);
      await load(store, opts(11n), [
        [1, AFFILIATION_CHANGED, T0],
        [2, SUPERSEDED, T0 + 5000],
        [5, KEY_COMPROMISE, T0],
      ]);
      const seen: GenerationChange[] = [];
      const summary = await store.diffGenerations(CA, (c) => seen.push({ ...c }));
      expect(summary).toEqual({ caId: CA, fromGeneration: 1, toGeneration: 2, changes: 2 });
      expect(seen).toEqual([
        { serial: 1n, previousReason: CERTIFICATE_HOLD, currentReason: AFFILIATION_CHANGED },
        { serial: 5n, previousReason: -1, currentReason: KEY_COMPROMISE },
      ]);
    });

    it('delta CRLs apply on their base; removeFromCRL un-lists; a delta on a missing base is refused', async () => {
      await expect(load(store, opts(9n, { isDelta: true, baseCrlNumber: 8n }), [[1, KEY_COMPROMISE, T0]])).rejects.toBeInstanceOf(
        DeltaBaseError,
      );
      await load(store, opts(10n), [
        [1, CERTIFICATE_HOLD, T0],
        [2, KEY_COMPROMISE, T0],
      ]);
      await expect(load(store, opts(12n, { isDelta: true, baseCrlNumber: 11n }), [[3, KEY_COMPROMISE, T0]])).rejects.toMatchObject({
        code: 'DELTA_BASE',
        baseCrlNumber: 11n,
        loadedFullCrlNumber: 10n,
      });
      const report = await load(store, opts(11n, { isDelta: true, baseCrlNumber: 10n }), [
        [1, REMOVE_FROM_CRL, T0 + 1000],
        [3, AFFILIATION_CHANGED, T0 + 1000],
      ]);
      expect(report.outcome).toBe('switched');
      expect((await store.lookup(CA, 1n)).entry).toBeNull();
      expect(await reasonOf(store, 2n)).toBe(KEY_COMPROMISE);
      expect(await reasonOf(store, 3n)).toBe(AFFILIATION_CHANGED);
      expect((await store.partitions(CA))[0]).toMatchObject({ crlNumber: 11n, fullCrlNumber: 10n, isDelta: true });
      // the next delta may still build on full CRL 10
      await load(store, opts(12n, { isDelta: true, baseCrlNumber: 10n }), [[4, SUPERSEDED, T0]]);
      expect(await reasonOf(store, 4n)).toBe(SUPERSEDED);
    });

    it('removeFromCRL in a full CRL is refused at commit; reason code 7 at once; nothing becomes visible', async () => {
      const loader = await store.beginLoad(opts(10n));
      loader.add(1, KEY_COMPROMISE, T0, Number.NaN);
      loader.add(2, REMOVE_FROM_CRL, T0, Number.NaN);
      expect(() => loader.add(3, 7, T0, Number.NaN)).toThrow(/entry 2: reason code 7/);
      await expect(loader.commit()).rejects.toThrow(EntryError);
      expect((await store.lookup(CA, 1n)).loaded).toBe(false);
    });

    it('takes the CRL facts at commit, as a streaming scan learns them only at the end', async () => {
      const { crlNumber, thisUpdateMs, nextUpdateMs, isDelta, ...target } = opts(10n);
      const loader = await store.beginLoad(target);
      loader.add(5, SUPERSEDED, T0, Number.NaN);
      expect(await loader.commit({ crlNumber, thisUpdateMs, nextUpdateMs, isDelta })).toMatchObject({
        outcome: 'switched',
        crlNumber: 10n,
      });
      expect(await reasonOf(store, 5n)).toBe(SUPERSEDED);
      const incomplete = await store.beginLoad(target);
      await expect(incomplete.commit()).rejects.toMatchObject({ code: 'ENTRY_INVALID' });
    });

    it('a lower CRL number is a rollback; the same number is a no-op; the data stays', async () => {
      await load(store, opts(10n), [[1, KEY_COMPROMISE, T0]]);
      await expect(load(store, opts(9n), [[2, KEY_COMPROMISE, T0]])).rejects.toBeInstanceOf(RollbackError);
      await expect(load(store, opts(9n), [])).rejects.toMatchObject({ code: 'ROLLBACK', loadedCrlNumber: 10n, offeredCrlNumber: 9n });
      expect(await load(store, opts(10n), [[3, KEY_COMPROMISE, T0]])).toMatchObject({ outcome: 'noop', generation: 1 });
      expect((await store.lookup(CA, 2n)).entry).toBeNull();
      expect((await store.lookup(CA, 3n)).entry).toBeNull();
      expect((await store.partitions(CA))[0]?.crlNumber).toBe(10n);
    });

    it('two partitions: revoked if any lists it, each with its own metadata and CRL number sequence', async () => {
      await load(store, opts(10n), [[1, KEY_COMPROMISE, T0]]);
      await load(store, opts(3n, { partition: 'p2', nextUpdateMs: null, source: 'file:/drop/p2.crl' }), [[2 ** 22 + 9, SUPERSEDED, T0]]);
      expect(await reasonOf(store, 1n)).toBe(KEY_COMPROMISE);
      expect(await reasonOf(store, BigInt(2 ** 22 + 9))).toBe(SUPERSEDED);
      const parts = await store.partitions(CA);
      expect(parts.map((p) => [p.partition, p.crlNumber, p.nextUpdateMs, p.generation])).toEqual([
        ['p1', 10n, T0 + DAY, 1],
        ['p2', 3n, null, 2],
      ]);
      // p2's lower number is no rollback for p1 and vice versa; p1's own sequence still rises
      await expect(load(store, opts(4n), [])).rejects.toBeInstanceOf(RollbackError);
      expect((await store.lookup(CA, 1n)).partitions).toHaveLength(2);
    });

    it('abort leaves nothing visible and nothing stored', async () => {
      const loader = await store.beginLoad(opts(10n));
      for (let i = 0; i < 1000; i++) loader.add(i * 7, KEY_COMPROMISE, T0, Number.NaN);
      await loader.abort();
      await expect(loader.commit()).rejects.toMatchObject({ code: 'LOADER_CLOSED' });
      expect(await store.lookup(CA, 7n)).toMatchObject({ loaded: false, entry: null });
      expect(await store.caIds()).toEqual([]);
      expect(await h.residue()).toBe(0);
    });

    it('concurrent loaders of the same CRL on two instances: exactly one switches', async () => {
      const other = await h.another();
      try {
        const entries: Entry[] = Array.from({ length: 2000 }, (_, i) => [i * 3, KEY_COMPROMISE, T0]);
        const reports = await Promise.all([load(store, opts(10n), entries), load(other, opts(10n), entries)]);
        expect(reports.map((r) => r.outcome).sort()).toEqual(['noop', 'switched']);
        expect((await store.partitions(CA))[0]?.generation).toBe(1);
      } finally {
        await other.close();
      }
    });

    it('concurrent loads of two partitions of one CA on two instances: both land', async () => {
      const other = await h.another();
      try {
        const reports = await Promise.all([
          load(store, opts(10n), [
            [1, KEY_COMPROMISE, T0],
            [2 ** 20, KEY_COMPROMISE, T0],
          ]),
          load(other, opts(20n, { partition: 'p2' }), [
            [2, SUPERSEDED, T0],
            [2 ** 20 + 1, SUPERSEDED, T0],
          ]),
        ]);
        expect(reports.map((r) => r.generation).sort()).toEqual([1, 2]);
        // the instance that committed first learns of the other's switch when its watch fires: visible soon, not at once
        await vi.waitFor(
          async () => {
            for (const s of [1n, 2n, BigInt(2 ** 20), BigInt(2 ** 20 + 1)]) expect((await store.lookup(CA, s)).entry).not.toBeNull();
          },
          { timeout: 5_000, interval: 20 },
        );
        expect((await store.partitions(CA)).map((p) => p.partition)).toEqual(['p1', 'p2']);
      } finally {
        await other.close();
      }
    });

    it('long and negative serials go through the fallback structure; +255 and -1 never collide', async () => {
      const long = 0x0123456789abcdef0123456789abcdefn;
      await load(store, opts(10n), [
        [-1n, KEY_COMPROMISE, T0],
        [long, AFFILIATION_CHANGED, T0, T0 - DAY],
        [2 ** 40, SUPERSEDED, T0], // a number beyond the bitmap range
        [2n ** 32n, CERTIFICATE_HOLD, T0],
      ]);
      expect(await reasonOf(store, -1n)).toBe(KEY_COMPROMISE);
      expect((await store.lookup(CA, 255n)).entry).toBeNull();
      expect((await store.lookup(CA, long)).entry).toEqual({ reasonCode: AFFILIATION_CHANGED, revokedAtMs: T0, invalidityMs: T0 - DAY });
      expect(await reasonOf(store, BigInt(2 ** 40))).toBe(SUPERSEDED);
      expect(await reasonOf(store, 2n ** 32n)).toBe(CERTIFICATE_HOLD);
      expect((await store.lookup(CA, long + 1n)).entry).toBeNull();
      const bulk = await store.lookupMany(CA, [-1, 255, 2 ** 40, 2 ** 32, -2]);
      expect([...bulk.reasonCodes]).toEqual([KEY_COMPROMISE, -1, SUPERSEDED, CERTIFICATE_HOLD, -1]);
      // a delta removes a long serial too
      await load(store, opts(11n, { isDelta: true, baseCrlNumber: 10n }), [[-1n, REMOVE_FROM_CRL, T0]]);
      expect((await store.lookup(CA, -1n)).entry).toBeNull();
      expect(await reasonOf(store, long)).toBe(AFFILIATION_CHANGED);
    });

    it('a serial near 0x7F000000 costs kilobytes, not a bitmap from offset 0', async () => {
      await load(store, opts(10n), [[0x7f00d015, AFFILIATION_CHANGED, T0]]);
      expect(await reasonOf(store, 0x7f00d015n)).toBe(AFFILIATION_CHANGED);
      expect((await store.lookup(CA, 0x7f00d014n)).entry).toBeNull();
      expect(await h.storedBytes()).toBeLessThan(64 * 1024);
    });

    it('a restart reads the stored data without reloading, previous generation included', async () => {
      await load(store, opts(10n), [[1, CERTIFICATE_HOLD, T0]]);
      await load(store, opts(11n), [
        [1, AFFILIATION_CHANGED, T0],
        [9, KEY_COMPROMISE, T0, T0 - 1000 * 3600],
      ]);
      await store.close();
      const reopened = await h.another();
      try {
        expect((await reopened.lookup(CA, 9n)).entry).toEqual({
          reasonCode: KEY_COMPROMISE,
          revokedAtMs: T0,
          invalidityMs: T0 - 3_600_000,
        });
        expect((await reopened.partitions(CA))[0]).toMatchObject({ crlNumber: 11n, generation: 2 });
        const seen: bigint[] = [];
        expect((await reopened.diffGenerations(CA, (c) => seen.push(c.serial))).changes).toBe(2);
        expect(seen).toEqual([1n, 9n]);
        await expect(load(reopened, opts(10n), [])).rejects.toBeInstanceOf(RollbackError);
      } finally {
        await reopened.close();
      }
    });

    it('readers learn of a switch at once, in this instance and in another', async () => {
      const other = await h.another();
      try {
        const here = nextEvent(store);
        const there = nextEvent(other);
        await new Promise((r) => setTimeout(r, 100)); // let the other instance's subscription settle
        await load(store, opts(10n), [[1, KEY_COMPROMISE, T0]]);
        const expected = { caId: CA, partition: 'p1', crlNumber: 10n, generation: 1, epoch: expect.any(String) };
        const seenHere = await here;
        expect(seenHere).toEqual(expected);
        // one epoch names the store's identity for every reader
        expect(await there).toEqual({ ...expected, epoch: seenHere.epoch });
        expect(seenHere.epoch).not.toBe('');
        expect(await reasonOf(other, 1n)).toBe(KEY_COMPROMISE);
      } finally {
        await other.close();
      }
    });

    it('small key-value room: set, get, expire, delete', async () => {
      await store.kv.set('ocsp:abc', new Uint8Array([1, 2, 3]));
      await store.kv.set('short', new Uint8Array([9]), 20);
      expect([...((await store.kv.get('ocsp:abc')) ?? [])]).toEqual([1, 2, 3]);
      await new Promise((r) => setTimeout(r, 40));
      expect(await store.kv.get('short')).toBeNull();
      await store.kv.delete('ocsp:abc');
      expect(await store.kv.get('ocsp:abc')).toBeNull();
    });

    it('take: exactly one of many racing takers gets a value, across two store instances; an expired one is gone', async () => {
      const other = await h.another();
      try {
        for (let round = 0; round < 5; round++) {
          const key = `challenge:${round}`;
          await store.kv.set(key, new Uint8Array([round, 7]), 60_000);
          const takers = [store, other, store, other, store, other].map((s) => s.kv.take(key));
          const got = (await Promise.all(takers)).filter((v) => v !== null);
          expect(got.map((v) => [...v])).toEqual([[round, 7]]);
          expect(await store.kv.get(key)).toBeNull();
          expect(await other.kv.take(key)).toBeNull();
        }
        await store.kv.set('short-take', new Uint8Array([1]), 20);
        await new Promise((r) => setTimeout(r, 40));
        expect(await other.kv.take('short-take')).toBeNull();
        expect(await store.kv.take('never-set')).toBeNull();
      } finally {
        await other.close();
      }
    });

    it('the declared partition set: none until declared, then the whole set (sorted, once each), replaced by the next', async () => {
      expect(await store.expectedPartitions(CA)).toBeNull();
      await store.declarePartitions(CA, ['p2', 'p1', 'p2']);
      expect(await store.expectedPartitions(CA)).toEqual(['p1', 'p2']);
      await load(store, opts(10n), [[1, KEY_COMPROMISE, T0]]);
      const other = await h.another();
      try {
        expect(await other.expectedPartitions(CA)).toEqual(['p1', 'p2']);
      } finally {
        await other.close();
      }
      await store.declarePartitions(CA, ['p1']);
      expect(await store.expectedPartitions(CA)).toEqual(['p1']);
    });

    it('a loader cannot be committed twice', async () => {
      const loader = await store.beginLoad(opts(10n));
      loader.add(1, KEY_COMPROMISE, T0, Number.NaN);
      await loader.commit();
      await expect(loader.commit()).rejects.toBeInstanceOf(StoreError);
    });
  });
}
