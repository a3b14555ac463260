/**
 * A partition's run: every entry its CRLs ever listed (revocation is final; only a delta's removeFromCRL un-lists), sorted by
 * serial, in columns. The store keeps one run per (CA, partition) — a Redis string, a file — and rewrites only the run of the
 * partition a CRL belongs to: the cost of a switch is its partition's size, not the CA's. The CA's merged set (RevocationSet)
 * is built from the runs and changed by each switch's changes.
 *
 * mergeRun: the previous run + a load → the new run, the changes the merged set needs (new or re-dated entries, removals), and
 * each change's previous reason. O(run + load) when the load comes sorted (CRLs of sequential-serial CAs do), plus one radix
 * sort of the load otherwise.
 */
import { NO_INVALIDITY } from './chunk.js';
import { EntryBuffer, type LongEntry } from './entry-buffer.js';
import { REMOVE_FROM_CRL } from '@jpki-validator/x509';

export interface RunColumns {
  /** ascending, unique */
  serials: Uint32Array;
  reasons: Uint8Array;
  revokedSec: Uint32Array;
  /** by index; null when no entry has an invalidity date */
  invalSec: Uint32Array | null;
  /** serials outside 0 … 2^32-1 */
  long: ReadonlyMap<bigint, LongEntry>;
}

export class PartitionRun implements RunColumns {
  readonly serials: Uint32Array;
  readonly reasons: Uint8Array;
  readonly revokedSec: Uint32Array;
  readonly invalSec: Uint32Array | null;
  readonly long: ReadonlyMap<bigint, LongEntry>;
  /** serials this run's load un-listed (removeFromCRL) from its base run: what a reader of the run alone cannot see */
  readonly removed: Uint32Array;
  readonly removedLong: readonly bigint[];

  constructor(columns: RunColumns, removed: Uint32Array = new Uint32Array(0), removedLong: readonly bigint[] = []) {
    this.serials = columns.serials;
    this.reasons = columns.reasons;
    this.revokedSec = columns.revokedSec;
    this.invalSec = columns.invalSec;
    this.long = columns.long;
    this.removed = removed;
    this.removedLong = removedLong;
    const n = columns.serials.length;
    if (columns.reasons.length !== n || columns.revokedSec.length !== n || (columns.invalSec !== null && columns.invalSec.length !== n)) {
      throw new RangeError(
        `run columns differ in length: ${n} serials, ${columns.reasons.length} reasons, ${columns.revokedSec.length} dates`,
      );
    }
  }

  static empty(): PartitionRun {
    return new PartitionRun({
      serials: new Uint32Array(0),
      reasons: new Uint8Array(0),
      revokedSec: new Uint32Array(0),
      invalSec: null,
      long: new Map(),
    });
  }

  /** listed entries */
  get count(): number {
    return this.serials.length + this.long.size;
  }
}

export interface RunMerge {
  run: PartitionRun;
  /** what the merged set needs: entries new or different from the previous run, and removals (reason removeFromCRL) */
  changes: EntryBuffer;
  /** per change (bitmap entries in order, then long ones in the Map's order): the previous run's reason, -1 when not listed */
  previousReasons: Int8Array;
}

/**
 * The new run of a partition: `base` (its previous run, or null) with `load` applied — later entries win, a removeFromCRL
 * un-lists, and an entry of the base the load does not mention stays (revocation is final).
 */
export function mergeRun(base: PartitionRun | null, load: EntryBuffer): RunMerge {
  if (base === null && load.ascending && load.removals === 0) return firstRun(load);
  const prev = base ?? PartitionRun.empty();
  const order = load.ascending ? null : sortedUniqueOrder(load);
  const loadCount = order === null ? load.length : order.length;
  const cap = prev.serials.length + loadCount;
  const serials = new Uint32Array(cap);
  const reasons = new Uint8Array(cap);
  const revokedSec = new Uint32Array(cap);
  const anyInval = prev.invalSec !== null || load.invalSec !== null;
  const invalSec = anyInval ? new Uint32Array(cap) : null;
  const changes = new EntryBuffer(Math.max(1, loadCount));
  const previous: number[] = [];
  const removed: number[] = [];
  let n = 0;
  let a = 0;
  let b = 0;
  const pa = prev.serials.length;
  const keepBase = (): void => {
    serials[n] = prev.serials[a] as number;
    reasons[n] = prev.reasons[a] as number;
    revokedSec[n] = prev.revokedSec[a] as number;
    if (invalSec !== null) invalSec[n] = prev.invalSec === null ? NO_INVALIDITY : (prev.invalSec[a] as number);
    n++;
    a++;
  };
  while (a < pa || b < loadCount) {
    const i = b < loadCount ? (order === null ? b : (order[b] as number)) : -1;
    const s = i >= 0 ? (load.serials[i] as number) : Number.POSITIVE_INFINITY;
    const sa = a < pa ? (prev.serials[a] as number) : Number.POSITIVE_INFINITY;
    if (sa < s) {
      keepBase();
      continue;
    }
    b++;
    const reason = load.reasons[i] as number;
    const rev = load.revokedSec[i] as number;
    const inval = load.invalSec === null ? NO_INVALIDITY : (load.invalSec[i] as number);
    const inBase = sa === s;
    const baseReason = inBase ? (prev.reasons[a] as number) : -1;
    if (reason === REMOVE_FROM_CRL) {
      if (inBase) {
        a++;
        removed.push(s);
        changes.put(s, REMOVE_FROM_CRL, 0, NO_INVALIDITY);
        previous.push(baseReason);
      }
      continue;
    }
    const same =
      inBase &&
      baseReason === reason &&
      (prev.revokedSec[a] as number) === rev &&
      (prev.invalSec === null ? NO_INVALIDITY : (prev.invalSec[a] as number)) === inval;
    if (inBase) a++;
    serials[n] = s;
    reasons[n] = reason;
    revokedSec[n] = rev;
    if (invalSec !== null) invalSec[n] = inval;
    n++;
    if (!same) {
      changes.put(s, reason, rev, inval);
      previous.push(baseReason);
    }
  }
  const long = new Map(prev.long);
  const removedLong: bigint[] = [];
  for (const [serial, e] of load.long) {
    const was = long.get(serial);
    if (e.reasonCode === REMOVE_FROM_CRL) {
      if (was === undefined) continue;
      long.delete(serial);
      removedLong.push(serial);
    } else {
      if (was !== undefined && was.reasonCode === e.reasonCode && was.revokedSec === e.revokedSec && was.invalSec === e.invalSec) continue;
      long.set(serial, e);
    }
    changes.putLong(serial, e);
    previous.push(was?.reasonCode ?? -1);
  }
  const trimmedInval = invalSec === null ? null : invalSec.slice(0, n);
  const run = new PartitionRun(
    {
      serials: serials.slice(0, n),
      reasons: reasons.slice(0, n),
      revokedSec: revokedSec.slice(0, n),
      invalSec: trimmedInval?.some((v) => v !== NO_INVALIDITY) ? trimmedInval : null,
      long,
    },
    Uint32Array.from(removed),
    removedLong,
  );
  return { run, changes, previousReasons: Int8Array.from(previous) };
}

/**
 * A partition's first load that came in ascending serial order (as CRLs of sequential-serial CAs list them, the cold load of a
 * national refresh): the run and the change list are views of the load's own columns — no copy of a partition of a million
 * entries twice over while the other lanes hold theirs. Every entry is new (previous reason -1).
 */
function firstRun(load: EntryBuffer): RunMerge {
  const n = load.length;
  const run = new PartitionRun({
    serials: load.serials.subarray(0, n),
    reasons: load.reasons.subarray(0, n),
    revokedSec: load.revokedSec.subarray(0, n),
    invalSec: load.invalSec === null ? null : load.invalSec.subarray(0, n),
    long: new Map(load.long),
  });
  return { run, changes: load, previousReasons: new Int8Array(n + load.long.size).fill(-1) };
}

/**
 * Indexes of `load`'s bitmap entries sorted by serial, one per serial (the last added wins): a stable LSD radix sort on the
 * 32-bit serial in two 16-bit passes — O(n), no comparator calls for millions of entries.
 */
function sortedUniqueOrder(load: EntryBuffer): Uint32Array {
  const n = load.length;
  const serials = load.serials;
  let from = new Uint32Array(n);
  for (let i = 0; i < n; i++) from[i] = i;
  let to = new Uint32Array(n);
  const counts = new Uint32Array(65_537);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const d = (((serials[from[i] as number] as number) >>> shift) & 0xffff) + 1;
      counts[d] = (counts[d] as number) + 1;
    }
    for (let d = 1; d < counts.length; d++) counts[d] = (counts[d] as number) + (counts[d - 1] as number);
    for (let i = 0; i < n; i++) {
      const idx = from[i] as number;
      const d = ((serials[idx] as number) >>> shift) & 0xffff;
      to[counts[d] as number] = idx;
      counts[d] = (counts[d] as number) + 1;
    }
    [from, to] = [to, from];
  }
  // stable: equal serials keep insertion order, so the last of a run of equal serials is the one added last
  let m = 0;
  for (let i = 0; i < n; i++) {
    const idx = from[i] as number;
    if (i + 1 < n && serials[from[i + 1] as number] === serials[idx]) continue;
    from[m++] = idx;
  }
  return from.subarray(0, m);
}

/**
 * Per reason code (0 … 10) the changes that newly list a serial or give it another reason — the partition's revocations that this
 * switch made known. A re-dated entry with its reason unchanged and a removal are not counted. null for a first load (no base):
 * its entries are the partition's history, not news.
 */
export function addedByReason(merge: RunMerge, hadBase: boolean): number[] | null {
  if (!hadBase) return null;
  const counts = new Array<number>(11).fill(0);
  const { changes, previousReasons } = merge;
  let i = 0;
  const count = (reason: number): void => {
    const previous = previousReasons[i++] as number;
    if (reason !== REMOVE_FROM_CRL && reason !== previous && reason >= 0 && reason < counts.length)
      counts[reason] = (counts[reason] as number) + 1;
  };
  for (let k = 0; k < changes.length; k++) count(changes.reasons[k] as number);
  for (const e of changes.long.values()) count(e.reasonCode);
  return counts;
}
