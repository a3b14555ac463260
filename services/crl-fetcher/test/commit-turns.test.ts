/**
 * commitsInTurn: one CA's commits in this process never overlap (on Redis they would race the switch script), other CAs' commits
 * are not held up, and a failed commit does not block the next. A real Redis store; the commits are timed from outside.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RevocationStore } from '@jpki-validator/store';
import { commitsInTurn } from '../src/ingest/commit-turns.js';
import { STORES, type StoreHandle } from './helpers.js';

/** the store with every commit's start and end recorded (the real commit runs in between) */
function timed(store: RevocationStore, log: { caId: string; start: number; end: number; ok: boolean }[]): RevocationStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'beginLoad') {
        return async (options: Parameters<RevocationStore['beginLoad']>[0]) => {
          const loader = await target.beginLoad(options);
          const commit = loader.commit.bind(loader);
          loader.commit = async (facts) => {
            const entry = { caId: options.caId, start: performance.now(), end: 0, ok: false };
            log.push(entry);
            try {
              const report = await commit(facts);
              entry.ok = true;
              return report;
            } finally {
              entry.end = performance.now();
            }
          };
          return loader;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('commitsInTurn on Redis', () => {
  let handle: StoreHandle;
  afterEach(async () => {
    await handle?.close();
  });

  it("serialises one CA's commits, lets other CAs through, and survives a refused commit", async () => {
    handle = await (STORES.redis as () => Promise<StoreHandle>)();
    const log: { caId: string; start: number; end: number; ok: boolean }[] = [];
    const store = commitsInTurn(timed(handle.store, log));
    const load = async (caId: string, partition: string, crlNumber: bigint) => {
      const loader = await store.beginLoad({ caId, partition, source: 'test' });
      for (let i = 0; i < 2000; i++) loader.add(0x07000000 + i * 7 + Number(crlNumber), 1, 1_700_000_000_000, Number.NaN);
      return loader.commit({ crlNumber, thisUpdateMs: 1_700_000_000_000, nextUpdateMs: 1_800_000_000_000, isDelta: false });
    };
    const results = await Promise.allSettled([
      ...Array.from({ length: 6 }, (_, i) => load('ca-a', `p${i}`, 10n)),
      load('ca-a', 'p0', 5n), // a rollback below p0's 10: refused, and the queue goes on
      load('ca-b', 'p0', 1n),
    ]);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    const a = log.filter((e) => e.caId === 'ca-a').sort((x, y) => x.start - y.start);
    for (let i = 1; i < a.length; i++) expect((a[i] as { start: number }).start).toBeGreaterThanOrEqual((a[i - 1] as { end: number }).end);
    expect((await handle.store.partitions('ca-a')).map((m) => m.partition).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
    expect(await handle.store.partitions('ca-b')).toHaveLength(1);
  });
});
