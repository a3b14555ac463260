/**
 * The embedded store's group commit: commits queued while one runs are committed together — their own generations and outcomes,
 * one switch notice listing them — and a reader of the same directory follows a group by reading only its runs; a notice that
 * could not be written (a crash between the run files and the notice) leaves the runs as the truth every reader takes up.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedRevocationStore, openEmbeddedStore } from '../src/embedded/embedded-store.js';
import type { CommitReport, LoadOptions, SwitchEvent } from '../src/types.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const CA = 'jpki-sign-2023';
const KEY_COMPROMISE = 1;
const SUPERSEDED = 4;

const opts = (partition: string, crlNumber: bigint): LoadOptions => ({
  caId: CA,
  partition,
  crlNumber,
  thisUpdateMs: T0,
  nextUpdateMs: T0 + DAY,
  isDelta: false,
  source: 't',
});

/** begins every load, then commits them all at once (as a refresh's lanes do): they queue behind the first */
async function loadTogether(store: EmbeddedRevocationStore, loads: [string, bigint, number[]][]): Promise<CommitReport[]> {
  const loaders = await Promise.all(loads.map(([p, n]) => store.beginLoad(opts(p, n))));
  loads.forEach(([, , serials], i) => {
    for (const s of serials) loaders[i]?.add(s, KEY_COMPROMISE, T0, Number.NaN);
  });
  return Promise.all(loaders.map((l) => l.commit()));
}

const switchFile = (dataDir: string): string => join(dataDir, `switch-${CA}.json`);

describe('embedded store, group commit', () => {
  let dataDir: string;
  const opened: EmbeddedRevocationStore[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jpki-store-group-'));
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  });
  const open = async (watch = false) => {
    const s = await openEmbeddedStore({ dataDir, watch });
    opened.push(s);
    return s;
  };

  it('commits queued together keep their own generations, outcomes and events; one notice lists them', async () => {
    const writer = await open();
    const events: SwitchEvent[] = [];
    writer.subscribe((e) => events.push(e));
    await loadTogether(writer, [['p0', 1n, [1]]]);
    const reports = await loadTogether(writer, [
      ['p1', 1n, [10, 11]],
      ['p2', 1n, [20]],
      ['p0', 1n, []], // the same CRL again: a no-op among switches
      ['p3', 1n, [30]],
    ]);
    expect(reports.map((r) => [r.partition, r.outcome, r.generation])).toEqual([
      ['p1', 'switched', 2],
      ['p2', 'switched', 3],
      ['p0', 'noop', 1],
      ['p3', 'switched', 4],
    ]);
    expect(events.map((e) => [e.partition, e.generation])).toEqual([
      ['p0', 1],
      ['p1', 2],
      ['p2', 3],
      ['p3', 4],
    ]);
    const notice = JSON.parse(await readFile(switchFile(dataDir), 'utf8'));
    expect(notice).toMatchObject({ generation: 4, partition: 'p3' });
    expect(notice.recent).toEqual([
      { generation: 1, partition: 'p0' },
      { generation: 2, partition: 'p1' },
      { generation: 3, partition: 'p2' },
      { generation: 4, partition: 'p3' },
    ]);
    // the change list spans the group
    const seen: bigint[] = [];
    expect(await writer.diffGenerations(CA, (c) => seen.push(c.serial))).toEqual({
      caId: CA,
      fromGeneration: 1,
      toGeneration: 4,
      changes: 4,
    });
    expect(seen).toEqual([10n, 11n, 20n, 30n]);
  });

  it('a rollback in a group is refused alone; the others switch', async () => {
    const writer = await open();
    await loadTogether(writer, [['p1', 5n, [1]]]);
    const loaders = await Promise.all([writer.beginLoad(opts('p1', 4n)), writer.beginLoad(opts('p2', 1n))]);
    loaders[1]?.add(2, SUPERSEDED, T0, Number.NaN);
    const [older, other] = await Promise.allSettled(loaders.map((l) => l.commit()));
    expect(older).toMatchObject({ status: 'rejected', reason: { name: 'RollbackError' } });
    expect(other).toMatchObject({ status: 'fulfilled', value: { outcome: 'switched', generation: 2 } });
    expect((await writer.lookup(CA, 2n)).entry?.reasonCode).toBe(SUPERSEDED);
  });

  it("a reader follows a group by the notice's list, and a reader further behind than the list by the run headers", async () => {
    const writer = await open();
    await loadTogether(writer, [['p1', 1n, [1]]]);
    const reader = await open(true);
    expect((await reader.lookup(CA, 1n)).entry?.reasonCode).toBe(KEY_COMPROMISE);
    const caughtUp = new Promise<SwitchEvent>((resolve) => {
      const off = reader.subscribe((e) => {
        if (e.generation === 4) {
          off();
          resolve(e);
        }
      });
    });
    await loadTogether(writer, [
      ['p1', 2n, [5]],
      ['p2', 1n, [20]],
      ['p3', 1n, [30]],
    ]);
    expect(await caughtUp).toMatchObject({ generation: 4 });
    for (const s of [1n, 5n, 20n, 30n]) expect((await reader.lookup(CA, s)).entry?.reasonCode).toBe(KEY_COMPROMISE);
    expect((await reader.partitions(CA)).map((p) => [p.partition, p.generation])).toEqual([
      ['p1', 2],
      ['p2', 3],
      ['p3', 4],
    ]);
    // a notice listing only its latest switch (an older writer's) for a reader three behind: read from the run headers
    const late = await open(false);
    await loadTogether(writer, [
      ['p1', 3n, [6]],
      ['p2', 2n, [21]],
    ]);
    const notice = JSON.parse(await readFile(switchFile(dataDir), 'utf8'));
    await writeFile(switchFile(dataDir), JSON.stringify({ ...notice, recent: undefined }));
    const more = await loadTogether(late, [['p4', 1n, [40]]]);
    expect(more[0]).toMatchObject({ outcome: 'switched', generation: 7 });
    for (const s of [6n, 21n, 40n]) expect((await late.lookup(CA, s)).entry?.reasonCode).toBe(KEY_COMPROMISE);
  });

  it('a crash between the run files and the notice: the runs are the truth for every reader opened after it', async () => {
    const writer = await open();
    await loadTogether(writer, [['p1', 1n, [1]]]);
    // the change list — written after the runs, before the notice — cannot be renamed into place (a directory is in its way):
    // the group's runs are on disk, the notice is not
    const changes = join(dataDir, 'cas', CA, 'changes.bin');
    await rm(changes);
    await mkdir(join(changes, 'blocked'), { recursive: true });
    const results = await Promise.allSettled(
      (await Promise.all([writer.beginLoad(opts('p2', 1n)), writer.beginLoad(opts('p3', 1n))])).map((l, i) => {
        l.add(20 + i, KEY_COMPROMISE, T0, Number.NaN);
        return l.commit();
      }),
    );
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(JSON.parse(await readFile(switchFile(dataDir), 'utf8'))).toMatchObject({ generation: 1 });
    await rm(changes, { recursive: true });
    const after = await open();
    expect((await after.partitions(CA)).map((p) => [p.partition, p.generation])).toEqual([
      ['p1', 1],
      ['p2', 2],
      ['p3', 3],
    ]);
    expect((await after.lookup(CA, 21n)).entry?.reasonCode).toBe(KEY_COMPROMISE);
    // and the next commit goes on from the highest generation on disk, its notice read by any reader
    const next = await loadTogether(after, [['p4', 1n, [40]]]);
    expect(next[0]).toMatchObject({ outcome: 'switched', generation: 4 });
  });
});
