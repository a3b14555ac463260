/**
 * The embedded store opened to write only (`holdEntries: false`, what `fetch --once` opens): it keeps partition metadata, merges
 * each load with the partition's own run file, and never answers — while a reader of the same directory sees exactly what an
 * ordinary writer would have given it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type EmbeddedRevocationStore, openEmbeddedStore } from '../src/embedded/embedded-store.js';
import type { LoadOptions } from '../src/types.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const CA = 'jpki-sign-2023';
const KEY_COMPROMISE = 1;
const SUPERSEDED = 4;
const AFFILIATION_CHANGED = 3;

const opts = (partition: string, crlNumber: bigint, thisUpdateMs = T0): LoadOptions => ({
  caId: CA,
  partition,
  crlNumber,
  thisUpdateMs,
  nextUpdateMs: thisUpdateMs + DAY,
  isDelta: false,
  source: 't',
});

async function load(store: EmbeddedRevocationStore, o: LoadOptions, entries: [number, number][]) {
  const loader = await store.beginLoad(o);
  for (const [serial, reason] of entries) loader.add(serial, reason, T0, Number.NaN);
  return loader.commit();
}

describe('embedded store, write only (holdEntries: false)', () => {
  let dataDir: string;
  const opened: EmbeddedRevocationStore[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jpki-store-wo-'));
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const open = async (holdEntries: boolean) => {
    const s = await openEmbeddedStore({ dataDir, holdEntries });
    opened.push(s);
    return s;
  };

  it('refuses every lookup (never an answer from a set it does not hold) but gives the partitions metadata', async () => {
    const writer = await open(false);
    await load(writer, opts('p1', 1n), [[10, KEY_COMPROMISE]]);
    await expect(writer.lookup(CA, 10n)).rejects.toMatchObject({ code: 'METADATA_ONLY' });
    await expect(writer.lookup(CA, 11n)).rejects.toMatchObject({ code: 'METADATA_ONLY' });
    await expect(writer.lookupMany(CA, Uint32Array.of(10, 11))).rejects.toMatchObject({ code: 'METADATA_ONLY' });
    expect((await writer.partitions(CA)).map((p) => [p.partition, p.crlNumber, p.entries])).toEqual([['p1', 1n, 1]]);
    expect((await writer.partitionMeta(CA, 'p1'))?.generation).toBe(1);
  });

  it("loads over what an ordinary writer wrote: a reader sees the next day's additions and changed reasons", async () => {
    const full = await open(true);
    await load(full, opts('p1', 1n), [
      [10, KEY_COMPROMISE],
      [20, SUPERSEDED],
      [30, SUPERSEDED],
    ]);
    await load(full, opts('p2', 1n), [[2 ** 21 + 5, AFFILIATION_CHANGED]]);
    await full.close();
    opened.splice(opened.indexOf(full), 1);

    const reader = await open(true);
    const writer = await open(false);
    expect((await writer.partitions(CA)).map((p) => p.partition)).toEqual(['p1', 'p2']);
    // day 2 of p1: 20 changed its reason, 40 added, 30 not listed (it stays: revocation is final — partition-run.ts)
    const report = await load(writer, opts('p1', 2n, T0 + DAY), [
      [10, KEY_COMPROMISE],
      [20, AFFILIATION_CHANGED],
      [40, SUPERSEDED],
    ]);
    expect(report).toMatchObject({ outcome: 'switched', generation: 3 });
    // the same CRL again is a no-op; an older one a rollback
    expect((await load(writer, opts('p1', 2n, T0 + DAY), [[10, KEY_COMPROMISE]])).outcome).toBe('noop');
    await expect(load(writer, opts('p1', 1n), [[10, KEY_COMPROMISE]])).rejects.toMatchObject({ code: 'ROLLBACK' });

    await vi.waitFor(async () => expect((await reader.lookup(CA, 40n)).generation).toBe(3), { timeout: 5_000, interval: 20 });
    const reason = async (serial: number) => (await reader.lookup(CA, BigInt(serial))).entry?.reasonCode ?? null;
    expect(await reason(10)).toBe(KEY_COMPROMISE);
    expect(await reason(20)).toBe(AFFILIATION_CHANGED);
    expect(await reason(30)).toBe(SUPERSEDED);
    expect(await reason(40)).toBe(SUPERSEDED);
    expect(await reason(2 ** 21 + 5)).toBe(AFFILIATION_CHANGED);

    // and a reader opened afresh builds the same from the files alone
    const fresh = await open(true);
    expect((await fresh.lookup(CA, 30n)).entry?.reasonCode).toBe(SUPERSEDED);
    expect((await fresh.lookup(CA, 40n)).entry?.reasonCode).toBe(SUPERSEDED);
    expect((await fresh.lookup(CA, 20n)).entry?.reasonCode).toBe(AFFILIATION_CHANGED);
    expect((await fresh.partitions(CA)).map((p) => [p.partition, p.crlNumber])).toEqual([
      ['p1', 2n],
      ['p2', 1n],
    ]);
  });

  it("follows another writer's switches by metadata, so its own next load of that partition merges on the right run", async () => {
    const writer = await open(false);
    const other = await open(true);
    await load(writer, opts('p1', 1n), [
      [1, KEY_COMPROMISE],
      [2, KEY_COMPROMISE],
    ]);
    // another process loads p1's next CRL (2 now superseded); the write-only store must learn its loadId before merging p1 again
    await load(other, opts('p1', 2n, T0 + DAY), [[2, SUPERSEDED]]);
    const report = await load(writer, opts('p1', 3n, T0 + 2 * DAY), [[3, SUPERSEDED]]);
    expect(report).toMatchObject({ outcome: 'switched', generation: 3 });
    const fresh = await open(true);
    // merged on the other writer's run: 2 keeps the reason that run gave it, 1 is still listed
    expect((await fresh.lookup(CA, 2n)).entry?.reasonCode).toBe(SUPERSEDED);
    expect((await fresh.lookup(CA, 1n)).entry?.reasonCode).toBe(KEY_COMPROMISE);
    expect((await fresh.lookup(CA, 3n)).entry?.reasonCode).toBe(SUPERSEDED);
    expect((await fresh.partitions(CA))[0]?.crlNumber).toBe(3n);
  });
});
