/**
 * What a CA's loaded CRL data can vouch for, computed once per snapshot (generation) and cached: a bare serial is `good` only when
 * EVERY configured partition is loaded and fresh (nextUpdate + graceSeconds > now; no nextUpdate = stale). The hot path then
 * compares one number with the clock.
 *
 * Precise freshness (issue 11): each configured partition also has its own summary, for a question that names the serial's
 * partition (`?partition=`, a batch item's `partition`, a certificate's distribution point in /v1/validate) — that partition
 * fresh is enough, whatever another municipality's CRL does. Without one, a stale answer names how many partitions are stale.
 */
import type { CaSnapshot, PartitionMeta } from '@jpki-validator/store';
import { formatTime } from '@jpki-validator/x509';
import type { RegisteredCa } from './ca-registry.js';
import type { CrlSourceInfo } from './types.js';

export interface CrlSummary {
  /** every configured partition (of this summary's scope) has a CRL loaded */
  readonly complete: boolean;
  /** the data is fresh while now < freshUntilMs (−∞: never — a partition is missing or has no nextUpdate) */
  readonly freshUntilMs: number;
  /** the partition that limits freshness (earliest nextUpdate), as the answer shows it; null when nothing is loaded */
  readonly limiting: Omit<CrlSourceInfo, 'stale'> | null;
  /** the fresh variant of `limiting`, built once so answers share it instead of allocating per request */
  readonly freshVia: CrlVia | null;
  /** the stale variant; for a CA of several partitions it names how many are stale at `nowMs` (shared per count) */
  staleVia(nowMs: number): CrlVia | null;
  /** configured partitions that are not fresh at `nowMs`, missing ones included */
  staleCount(nowMs: number): number;
  /** one configured partition's own summary; undefined for a name the CA does not have */
  partition(name: string): CrlSummary | undefined;
}

export interface CrlVia {
  source: 'crl';
  crl: CrlSourceInfo;
}

const freezeVia = (crl: CrlSourceInfo): CrlVia => Object.freeze({ source: 'crl', crl: Object.freeze(crl) });

const EMPTY: CrlSummary = Object.freeze({
  complete: false,
  freshUntilMs: Number.NEGATIVE_INFINITY,
  limiting: null,
  freshVia: null,
  staleVia: () => null,
  staleCount: () => 0,
  partition: () => undefined,
});

function sourceInfo(meta: PartitionMeta): Omit<CrlSourceInfo, 'stale'> {
  return {
    number: meta.crlNumber.toString(),
    thisUpdate: formatTime(meta.thisUpdateMs),
    nextUpdate: meta.nextUpdateMs === null ? null : formatTime(meta.nextUpdateMs),
  };
}

const untilOf = (meta: PartitionMeta | undefined, graceMs: number): number =>
  meta === undefined || meta.nextUpdateMs === null ? Number.NEGATIVE_INFINITY : meta.nextUpdateMs + graceMs;

/** one configured partition on its own */
function partitionSummary(name: string, meta: PartitionMeta | undefined, graceMs: number): CrlSummary {
  if (meta === undefined) return EMPTY;
  const info = { ...sourceInfo(meta), partition: name };
  const stale = freezeVia({ ...info, stale: true });
  const until = untilOf(meta, graceMs);
  return Object.freeze({
    complete: true,
    freshUntilMs: until,
    limiting: info,
    freshVia: freezeVia({ ...info, stale: false }),
    staleVia: () => stale,
    staleCount: (nowMs: number) => (nowMs < until ? 0 : 1),
    partition: () => undefined,
  });
}

/** the whole CA: every configured partition */
class CaSummary implements CrlSummary {
  readonly complete: boolean;
  readonly freshUntilMs: number;
  readonly limiting: Omit<CrlSourceInfo, 'stale'> | null;
  readonly freshVia: CrlVia | null;
  /** every configured partition's freshUntilMs, ascending (−∞ for missing ones) */
  private readonly untils: Float64Array;
  private readonly byName: ReadonlyMap<string, PartitionMeta>;
  private readonly configured: ReadonlySet<string>;
  private readonly graceMs: number;
  private readonly perPartition = new Map<string, CrlSummary>();
  /** the stale `via` per stale count (a CA of several partitions), so equal answers share one object */
  private readonly staleByCount = new Map<number, CrlVia>();
  private readonly plainStale: CrlVia | null;

  constructor(ca: RegisteredCa, snapshot: CaSnapshot) {
    this.graceMs = ca.freshness.graceSeconds * 1000;
    this.byName = new Map(snapshot.partitions.map((p) => [p.partition, p]));
    this.configured = new Set(ca.partitions.map((p) => p.name));
    const untils = new Float64Array(ca.partitions.length);
    let complete = true;
    let limiting: PartitionMeta | null = null;
    let freshUntilMs = Number.POSITIVE_INFINITY;
    ca.partitions.forEach((configured, i) => {
      const meta = this.byName.get(configured.name);
      if (meta === undefined) complete = false;
      const until = untilOf(meta, this.graceMs);
      untils[i] = until;
      if (meta !== undefined && (limiting === null || until < untilOf(limiting, this.graceMs))) limiting = meta;
      freshUntilMs = Math.min(freshUntilMs, until);
    });
    this.untils = untils.sort();
    this.complete = complete;
    this.freshUntilMs = limiting === null ? Number.NEGATIVE_INFINITY : freshUntilMs;
    this.limiting = limiting === null ? null : sourceInfo(limiting);
    this.freshVia = this.limiting === null ? null : freezeVia({ ...this.limiting, stale: false });
    this.plainStale = this.limiting === null ? null : freezeVia({ ...this.limiting, stale: true });
  }

  staleCount(nowMs: number): number {
    // untils sorted ascending: the stale ones (until ≤ now) come first
    let lo = 0;
    let hi = this.untils.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.untils[mid] as number) <= nowMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  staleVia(nowMs: number): CrlVia | null {
    if (this.plainStale === null || this.limiting === null || this.configured.size <= 1) return this.plainStale;
    const count = this.staleCount(nowMs);
    let via = this.staleByCount.get(count);
    if (via === undefined) {
      via = freezeVia({ ...this.limiting, stale: true, stalePartitions: count });
      this.staleByCount.set(count, via);
    }
    return via;
  }

  partition(name: string): CrlSummary | undefined {
    if (!this.configured.has(name)) return undefined;
    let summary = this.perPartition.get(name);
    if (summary === undefined) {
      summary = partitionSummary(name, this.byName.get(name), this.graceMs);
      this.perPartition.set(name, summary);
    }
    return summary;
  }
}

/** Summaries cached by snapshot identity: a new generation is a new object, so the cache never serves an old judgement. */
export class CrlSummaries {
  private readonly cache = new WeakMap<CaSnapshot, CrlSummary>();

  of(ca: RegisteredCa, snapshot: CaSnapshot | null): CrlSummary {
    if (snapshot === null || !snapshot.loaded || ca.partitions.length === 0) return EMPTY;
    let summary = this.cache.get(snapshot);
    if (summary === undefined) {
      summary = new CaSummary(ca, snapshot);
      this.cache.set(snapshot, summary);
    }
    return summary;
  }
}
