/** mergeRun (a partition's entries across loads) and the run's bytes. */
import { describe, expect, it } from 'vitest';
import { NO_INVALIDITY } from './chunk.js';
import { EntryBuffer } from './entry-buffer.js';
import { REMOVE_FROM_CRL } from '@jpki-validator/x509';
import { mergeRun, type PartitionRun } from './partition-run.js';
import { decodeRun, encodeRun } from './run-codec.js';

function load(entries: [number | bigint, number, number?, number?][]): EntryBuffer {
  const out = new EntryBuffer(4);
  for (const [serial, reason, rev = 100, inval = NO_INVALIDITY] of entries) {
    if (typeof serial === 'bigint') out.putLong(serial, { reasonCode: reason, revokedSec: rev, invalSec: inval });
    else out.put(serial, reason, rev, inval);
  }
  return out;
}

const rows = (run: PartitionRun): number[][] =>
  [...run.serials].map((s, i) => [s, run.reasons[i] as number, run.revokedSec[i] as number, run.invalSec?.[i] ?? 0]);

describe('mergeRun', () => {
  it('sorts an unordered load, the last of duplicates wins, and reports every change with its previous reason', () => {
    const first = mergeRun(
      null,
      load([
        [9, 1],
        [3, 1],
        [9, 4, 200],
        [5, 6, 100, 50],
      ]),
    );
    expect(rows(first.run)).toEqual([
      [3, 1, 100, 0],
      [5, 6, 100, 50],
      [9, 4, 200, 0],
    ]);
    expect([...first.previousReasons]).toEqual([-1, -1, -1]);
    expect(first.changes.count).toBe(3);

    // a later full CRL drops 3 (it stays: revocation is final), repeats 5 as it was, re-dates 9, adds 7
    const second = mergeRun(
      first.run,
      load([
        [5, 6, 100, 50],
        [9, 4, 300],
        [7, 3],
      ]),
    );
    expect(rows(second.run)).toEqual([
      [3, 1, 100, 0],
      [5, 6, 100, 50],
      [7, 3, 100, 0],
      [9, 4, 300, 0],
    ]);
    expect([...second.changes.serials.subarray(0, second.changes.length)]).toEqual([7, 9]);
    expect([...second.previousReasons]).toEqual([-1, 4]);
  });

  it('a removeFromCRL un-lists what the run holds and is remembered for readers of the run alone; one for nothing is nothing', () => {
    const base = mergeRun(
      null,
      load([
        [1, 6],
        [2, 6],
      ]),
    ).run;
    const delta = mergeRun(
      base,
      load([
        [1, REMOVE_FROM_CRL],
        [8, REMOVE_FROM_CRL],
        [-5n, 1],
      ]),
    );
    expect(rows(delta.run)).toEqual([[2, 6, 100, 0]]);
    expect([...delta.run.removed]).toEqual([1]);
    expect(delta.changes.removals).toBe(1);
    expect([...delta.previousReasons]).toEqual([6, -1]);
    const again = mergeRun(delta.run, load([[-5n, REMOVE_FROM_CRL]]));
    expect(again.run.long.size).toBe(0);
    expect(again.run.removedLong).toEqual([-5n]);
  });

  it('orders a big unordered load in linear time without losing the last duplicate', () => {
    const n = 200_000;
    const entries = new EntryBuffer(n);
    for (let i = 0; i < n; i++) entries.put((i * 2_654_435_761) >>> 5, 1, i, NO_INVALIDITY);
    entries.put((7 * 2_654_435_761) >>> 5, 3, 42, NO_INVALIDITY);
    const { run } = mergeRun(null, entries);
    expect(run.serials.length).toBe(n);
    for (let i = 1; i < run.serials.length; i++)
      if ((run.serials[i] as number) <= (run.serials[i - 1] as number)) throw new Error(`not sorted at ${i}`);
    const at = run.serials.indexOf((7 * 2_654_435_761) >>> 5);
    expect([run.reasons[at], run.revokedSec[at]]).toEqual([3, 42]);
  });
});

describe('mergeRun, a first load in ascending order', () => {
  it('gives the run, changes and previous reasons a merge on an empty run gives (views of the load, no copy)', () => {
    const entries = (): EntryBuffer =>
      load([
        [3, 1],
        [5, 6, 100, 50],
        [9, 4, 200],
        [-7n, 1, 300],
      ]);
    const fast = mergeRun(null, entries());
    const slow = mergeRun(mergeRun(null, load([])).run, entries());
    expect(rows(fast.run)).toEqual(rows(slow.run));
    expect(rows(fast.run)).toEqual([
      [3, 1, 100, 0],
      [5, 6, 100, 50],
      [9, 4, 200, 0],
    ]);
    expect([...fast.run.long]).toEqual([...slow.run.long]);
    expect([...fast.previousReasons]).toEqual([...slow.previousReasons]);
    expect([...fast.previousReasons]).toEqual([-1, -1, -1, -1]);
    expect(fast.changes.count).toBe(slow.changes.count);
    expect([...fast.changes.serials.subarray(0, fast.changes.length)]).toEqual([...slow.changes.serials.subarray(0, slow.changes.length)]);
    expect(Buffer.concat(encodeRun(fast.run))).toEqual(Buffer.concat(encodeRun(slow.run)));
    // no invalidity date at all: no column
    expect(mergeRun(null, load([[1, 1]])).run.invalSec).toBeNull();
  });
});

describe('run bytes', () => {
  it('round-trip: 9 bytes an entry, sparse invalidity dates, long serials and removals', () => {
    const { run } = mergeRun(
      mergeRun(
        null,
        load([
          [1, 1],
          [4, 1],
        ]),
      ).run,
      load([
        [1, REMOVE_FROM_CRL],
        [2, 3, 7, 9],
        [3, 4],
        [2n ** 40n, 6, 5, 0],
        [-1n, 1],
      ]),
    );
    const bytes = Buffer.concat(encodeRun(run));
    expect(bytes.length).toBe(32 + 9 * 3 + 8 * 1 + 4 * 1 + Buffer.byteLength('1099511627776,6,5,0\n-1,1,100,0\n'));
    // an unaligned copy decodes too
    const unaligned = Buffer.alloc(bytes.length + 1);
    bytes.copy(unaligned, 1);
    const back = decodeRun(unaligned.subarray(1), 'test');
    expect(rows(back)).toEqual(rows(run));
    expect([...back.removed]).toEqual([1]);
    expect([...back.long]).toEqual([...run.long]);
  });

  it('refuses damaged bytes naming where and the byte offset', () => {
    const bytes = Buffer.concat(
      encodeRun(
        mergeRun(
          null,
          load([
            [1, 1],
            [2, 1],
          ]),
        ).run,
      ),
    );
    expect(() => decodeRun(bytes.subarray(0, bytes.length - 1), 'k')).toThrow(/^k: run of 2 entries should be 50 bytes, is 49 at byte 8$/);
    const swapped = Buffer.from(bytes);
    swapped.writeUInt32LE(9, 32);
    expect(() => decodeRun(swapped, 'k')).toThrow(/k: serial 1 is not above serial 0 \(a run is sorted\) at byte 36/);
    expect(() => decodeRun(Buffer.from('nonsense, more than thirty-two bytes of it'), 'k')).toThrow(/bad magic/);
  });
});
