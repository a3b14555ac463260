/**
 * What a CA's loaded CRL data can vouch for, computed once per snapshot (generation) and cached: a bare serial is `good` only when
 * EVERY configured partition is loaded and fresh (nextUpdate + graceSeconds > now; no nextUpdate = stale). The hot path then
 * compares one number with the clock.
 */
import type { CaSnapshot, PartitionMeta } from '@jpki-validator/store';
import { formatTime } from '@jpki-validator/x509';
import type { RegisteredCa } from './ca-registry.js';
import type { CrlSourceInfo } from './types.js';

export interface CrlSummary {
  /** every configured partition has a CRL loaded */
  complete: boolean;
  /** the data is fresh while now < freshUntilMs (−∞: never — a partition is missing or has no nextUpdate) */
  freshUntilMs: number;
  /** the partition that limits freshness (earliest nextUpdate), as the answer shows it; null when nothing is loaded */
  limiting: Omit<CrlSourceInfo, 'stale'> | null;
  /** both `stale` variants of `limiting`, built once so answers share them instead of allocating per request */
  freshVia: CrlVia | null;
  staleVia: CrlVia | null;
}

export interface CrlVia {
  source: 'crl';
  crl: CrlSourceInfo;
}

const EMPTY: CrlSummary = { complete: false, freshUntilMs: Number.NEGATIVE_INFINITY, limiting: null, freshVia: null, staleVia: null };

function summarise(ca: RegisteredCa, snapshot: CaSnapshot): CrlSummary {
  if (!snapshot.loaded || ca.partitions.length === 0) return EMPTY;
  const graceMs = ca.freshness.graceSeconds * 1000;
  const byName = new Map<string, PartitionMeta>(snapshot.partitions.map((p) => [p.partition, p]));
  let complete = true;
  let freshUntilMs = Number.POSITIVE_INFINITY;
  let limiting: PartitionMeta | null = null;
  for (const configured of ca.partitions) {
    const meta = byName.get(configured.name);
    if (meta === undefined) {
      complete = false;
      freshUntilMs = Number.NEGATIVE_INFINITY;
      continue;
    }
    const until = meta.nextUpdateMs === null ? Number.NEGATIVE_INFINITY : meta.nextUpdateMs + graceMs;
    if (limiting === null || until < freshUntilMs) limiting = meta;
    freshUntilMs = Math.min(freshUntilMs, until);
  }
  if (limiting === null) return EMPTY;
  const info = {
    number: limiting.crlNumber.toString(),
    thisUpdate: formatTime(limiting.thisUpdateMs),
    nextUpdate: limiting.nextUpdateMs === null ? null : formatTime(limiting.nextUpdateMs),
  };
  return {
    complete,
    freshUntilMs,
    limiting: info,
    freshVia: Object.freeze({ source: 'crl', crl: Object.freeze({ ...info, stale: false }) }),
    staleVia: Object.freeze({ source: 'crl', crl: Object.freeze({ ...info, stale: true }) }),
  };
}

/** Summaries cached by snapshot identity: a new generation is a new object, so the cache never serves an old judgement. */
export class CrlSummaries {
  private readonly cache = new WeakMap<CaSnapshot, CrlSummary>();

  of(ca: RegisteredCa, snapshot: CaSnapshot | null): CrlSummary {
    if (snapshot === null) return EMPTY;
    let summary = this.cache.get(snapshot);
    if (summary === undefined) {
      summary = summarise(ca, snapshot);
      this.cache.set(snapshot, summary);
    }
    return summary;
  }
}

/** the per-partition view /v1/issuers shows */
export function partitionView(ca: RegisteredCa, snapshot: CaSnapshot | null, nowMs: number): PartitionView[] {
  const byName = new Map<string, PartitionMeta>((snapshot?.partitions ?? []).map((p) => [p.partition, p]));
  const graceMs = ca.freshness.graceSeconds * 1000;
  return ca.partitions.map((configured) => {
    const meta = byName.get(configured.name);
    if (meta === undefined) {
      return {
        name: configured.name,
        crlNumber: null,
        thisUpdate: null,
        nextUpdate: null,
        entries: null,
        stale: true,
        loadedAt: null,
        source: configured.source,
      };
    }
    return {
      name: configured.name,
      crlNumber: meta.crlNumber.toString(),
      thisUpdate: formatTime(meta.thisUpdateMs),
      nextUpdate: meta.nextUpdateMs === null ? null : formatTime(meta.nextUpdateMs),
      entries: meta.entries,
      stale: meta.nextUpdateMs === null || meta.nextUpdateMs + graceMs <= nowMs,
      loadedAt: formatTime(meta.loadedAtMs),
      source: meta.source,
    };
  });
}

export interface PartitionView {
  name: string;
  crlNumber: string | null;
  thisUpdate: string | null;
  nextUpdate: string | null;
  entries: number | null;
  stale: boolean;
  loadedAt: string | null;
  source: string;
}
