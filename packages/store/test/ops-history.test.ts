/**
 * The ops history's room on every store: the embedded store's files (and a second reader of them, as the validator beside a
 * fetcher), its memory-only form, and Redis (the shared server, a random prefix) — one case suite. Then what a switch reports as
 * newly listed per reason, on both stores, and the history folded by OpsHistory.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createRedisStore,
  DAYS_KEPT,
  FileOpsRoom,
  jstDay,
  jstDaysBetween,
  openEmbeddedStore,
  OpsHistory,
  type OpsRoom,
  type RevocationStore,
} from '../src/index.js';
import { keysUnder } from './redis-helpers.js';

const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ops-history-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function redisStore(): Promise<RevocationStore & { redis: import('ioredis').Redis }> {
  const prefix = `test-ops-${randomBytes(4).toString('hex')}`;
  const store = createRedisStore({ redis: REDIS_URL, prefix });
  cleanups.push(async () => {
    const keys = await keysUnder(store.redis as import('ioredis').Redis, prefix);
    if (keys.length > 0) await store.redis.del(...keys);
    await store.close();
  });
  return store as RevocationStore & { redis: import('ioredis').Redis };
}

const rooms: [string, () => Promise<{ room: OpsRoom; reader: OpsRoom }>][] = [
  [
    'memory',
    async () => {
      const room = new FileOpsRoom(null);
      return { room, reader: room };
    },
  ],
  [
    'files',
    async () => {
      const dir = await tempDir();
      return { room: new FileOpsRoom(dir), reader: new FileOpsRoom(dir) };
    },
  ],
  [
    'redis',
    async () => {
      const store = await redisStore();
      return { room: store.ops, reader: store.ops };
    },
  ],
];

describe.each(rooms)('ops room (%s)', (_name, make) => {
  it('keeps a capped list newest first, paged, and seen by another reader', async () => {
    const { room, reader } = await make();
    for (let i = 0; i < 25; i++) await room.push('loads', JSON.stringify({ i }), 10);
    expect(await reader.length('loads', 10)).toBe(10);
    expect((await reader.range('loads', 10, 0, 3)).map((l) => JSON.parse(l).i)).toEqual([24, 23, 22]);
    expect((await reader.range('loads', 10, 8, 5)).map((l) => JSON.parse(l).i)).toEqual([16, 15]);
    expect(await reader.range('loads', 10, 10, 5)).toEqual([]);
    // the reader folds in what was appended after it last read
    await room.push('loads', JSON.stringify({ i: 25 }), 10);
    expect(JSON.parse((await reader.range('loads', 10, 0, 1))[0] as string).i).toBe(25);
    expect(await reader.length('other', 10)).toBe(0);
  });

  it('writes lines and counts together', async () => {
    const { room, reader } = await make();
    await room.write({
      lines: [
        { list: 'a', line: '1', cap: 5 },
        { list: 'b', line: '2', cap: 5 },
      ],
      day: { day: '2026-12-02', counts: { n: 2 } },
    });
    await room.write({ lines: [{ list: 'a', line: '3', cap: 5 }] });
    expect(await reader.range('a', 5, 0, 5)).toEqual(['3', '1']);
    expect(await reader.range('b', 5, 0, 5)).toEqual(['2']);
    expect(await reader.countsOf(['2026-12-02'])).toEqual([{ n: 2 }]);
  });

  it('adds counters per day and reads them back in the order asked', async () => {
    const { room, reader } = await make();
    await room.addCounts('2026-12-01', { 'crl.loaded': 2, 'ocsp.spendYen.a': 20 });
    await room.addCounts('2026-12-01', { 'crl.loaded': 1, 'crl.rejected': 1 });
    // a reader that folded once folds in what is added after
    expect(await reader.countsOf(['2026-12-03'])).toEqual([{}]);
    await room.addCounts('2026-12-03', { 'watch.events': 5, zero: 0 });
    expect(await reader.countsOf(['2026-12-03', '2026-12-02', '2026-12-01'])).toEqual([
      { 'watch.events': 5 },
      {},
      { 'crl.loaded': 3, 'crl.rejected': 1, 'ocsp.spendYen.a': 20 },
    ]);
  });
});

describe('embedded ops files', () => {
  it('compact a list to its cap and the day counters to one line a kept day, keeping every count', async () => {
    const dir = await tempDir();
    const room = new FileOpsRoom(dir);
    for (let i = 0; i < 41; i++) await room.push('passes', `{"i":${i}}`, 20);
    const lines = (await readFile(join(dir, 'ops', 'list-passes.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThan(40);
    expect(await room.length('passes', 20)).toBe(20);
    expect(lines.length).toBeGreaterThanOrEqual(20);
    expect(JSON.parse((await new FileOpsRoom(dir).range('passes', 20, 0, 1))[0] as string).i).toBe(40);

    const today = jstDay(Date.now());
    const old = jstDaysBetween('2000-01-01', '2000-01-01', 1)[0] as string;
    await room.addCounts(old, { n: 1 });
    for (let i = 0; i < 4 * DAYS_KEPT; i++) await room.addCounts(today, { n: 1 });
    const dayLines = (await readFile(join(dir, 'ops', 'days.jsonl'), 'utf8')).trim().split('\n');
    expect(dayLines.length).toBeLessThan(10);
    const [counted, dropped] = await new FileOpsRoom(dir).countsOf([today, old]);
    expect(counted).toEqual({ n: 4 * DAYS_KEPT });
    // older than DAYS_KEPT: dropped by the compaction
    expect(dropped).toEqual({});
  });

  it('writes made at once share lock turns: every line in the order written, every count, the list still capped', async () => {
    const dir = await tempDir();
    const room = new FileOpsRoom(dir);
    const today = jstDay(Date.now());
    // as a refresh's lanes record their loads: many writes in flight together
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        room.write({ lines: [{ list: 'loads', line: `{"i":${i}}`, cap: 100 }], day: { day: today, counts: { 'crl.loaded': 1 } } }),
      ),
    );
    const reader = new FileOpsRoom(dir);
    expect(await reader.length('loads', 100)).toBe(100);
    expect((await reader.range('loads', 100, 0, 100)).map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 100 }, (_, k) => 299 - k));
    expect((await reader.countsOf([today]))[0]).toEqual({ 'crl.loaded': 300 });
  });
});

describe('JST days', () => {
  it('turn at 15:00 UTC', () => {
    expect(jstDay(Date.parse('2026-12-03T14:59:59Z'))).toBe('2026-12-03');
    expect(jstDay(Date.parse('2026-12-03T15:00:00Z'))).toBe('2026-12-04');
    expect(jstDaysBetween('2026-12-30', '2027-01-02', 400)).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(jstDaysBetween('2020-01-01', '2026-12-31', 400)).toHaveLength(400);
  });
});

const stores: [string, () => Promise<RevocationStore>][] = [
  [
    'embedded',
    async () => {
      const store = await openEmbeddedStore({ dataDir: await tempDir() });
      cleanups.push(() => store.close());
      return store;
    },
  ],
  ['redis', redisStore],
];

describe.each(stores)('a switch on the %s store', (_name, make) => {
  it('reports the entries it newly listed or re-reasoned, per reason; a first load is a baseline', async () => {
    const store = await make();
    const load = async (n: bigint, entries: [number, number][]) => {
      const loader = await store.beginLoad({ caId: 'ca', partition: 'p1', source: 'test' });
      for (const [serial, reason] of entries) loader.add(serial, reason, Date.parse('2026-12-01T00:00:00Z'), Number.NaN);
      return loader.commit({ crlNumber: n, thisUpdateMs: Date.now(), nextUpdateMs: Date.now() + 86_400_000, isDelta: false });
    };
    const first = await load(1n, [
      [10, 1],
      [11, 3],
    ]);
    expect(first.addedByReason).toBeNull();
    // 12 and 13 new (affiliationChanged), 10 re-reasoned to superseded, 11 unchanged
    const second = await load(2n, [
      [10, 4],
      [11, 3],
      [12, 3],
      [13, 3],
    ]);
    expect(second.addedByReason?.[3]).toBe(2);
    expect(second.addedByReason?.[4]).toBe(1);
    expect(second.addedByReason?.reduce((a, b) => a + b, 0)).toBe(3);
    const noop = await load(2n, [
      [10, 4],
      [11, 3],
      [12, 3],
      [13, 3],
    ]);
    expect(noop.outcome).toBe('noop');
    expect(noop.addedByReason).toBeNull();
  });
});

describe('OpsHistory', () => {
  it('lists loads that did something, counts every load, and pages one partition or the rejected ones', async () => {
    const history = new OpsHistory(new FileOpsRoom(null));
    const base = {
      caId: 'ca',
      crlNumber: '1',
      entries: 1,
      bytes: 100,
      durationMs: 5,
      thisUpdate: null,
      nextUpdate: null,
      reason: null,
      error: null,
      added: null,
    };
    const at = '2026-12-03T01:00:00Z';
    await history.recordLoad({ ...base, at, partition: 'p1', outcome: 'loaded', added: { affiliationChanged: 4 } });
    await history.recordLoad({ ...base, at, partition: 'p2', outcome: 'rejected', reason: 'signature', error: 'bad' });
    await history.recordLoad({ ...base, at, partition: 'p1', outcome: 'not-modified' });
    expect((await history.loads({ offset: 0, limit: 10 })).total).toBe(2);
    expect((await history.loads({ caId: 'ca', partition: 'p1', offset: 0, limit: 10 })).items.map((l) => l.outcome)).toEqual(['loaded']);
    expect((await history.loads({ rejected: true, offset: 0, limit: 10 })).items[0]?.reason).toBe('signature');
    const [day] = await history.days('2026-12-03', '2026-12-03');
    expect(day?.counts).toEqual({ 'crl.loaded': 1, 'crl.rejected': 1, 'crl.not-modified': 1, 'revoked.ca.affiliationChanged': 4 });
  });
});
