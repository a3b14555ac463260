/**
 * The partitions of a CA as /v1/issuers and /readyz show them. A national signature CA has ~1,741: they are counted by state and
 * the worst few listed (not loaded, then stale — the longest past nextUpdate first —, then the fresh ones nearest to it), not
 * printed as a wall; the full list stays available (`GET /v1/issuers?partitions=all`).
 */
import type { CaSnapshot, PartitionMeta } from '@jpki-validator/store';
import { formatTime } from '@jpki-validator/x509';
import type { RegisteredCa } from './ca-registry.js';

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

export type PartitionState = 'fresh' | 'stale' | 'not_loaded';

export interface PartitionCounts {
  total: number;
  fresh: number;
  stale: number;
  notLoaded: number;
}

export interface PartitionOverview {
  counts: PartitionCounts;
  /** the `limit` worst partitions, worst first */
  worst: PartitionView[];
}

interface Ranked {
  view: PartitionView;
  state: PartitionState;
  nextUpdateMs: number;
}

function ranked(ca: RegisteredCa, snapshot: CaSnapshot | null, nowMs: number): Ranked[] {
  const byName = new Map<string, PartitionMeta>((snapshot?.partitions ?? []).map((p) => [p.partition, p]));
  const graceMs = ca.freshness.graceSeconds * 1000;
  return ca.partitions.map((configured) => {
    const meta = byName.get(configured.name);
    if (meta === undefined) {
      return {
        state: 'not_loaded',
        nextUpdateMs: Number.NEGATIVE_INFINITY,
        view: {
          name: configured.name,
          crlNumber: null,
          thisUpdate: null,
          nextUpdate: null,
          entries: null,
          stale: true,
          loadedAt: null,
          source: configured.source,
        },
      };
    }
    const stale = meta.nextUpdateMs === null || meta.nextUpdateMs + graceMs <= nowMs;
    return {
      state: stale ? 'stale' : 'fresh',
      nextUpdateMs: meta.nextUpdateMs ?? Number.NEGATIVE_INFINITY,
      view: {
        name: configured.name,
        crlNumber: meta.crlNumber.toString(),
        thisUpdate: formatTime(meta.thisUpdateMs),
        nextUpdate: meta.nextUpdateMs === null ? null : formatTime(meta.nextUpdateMs),
        entries: meta.entries,
        stale,
        loadedAt: formatTime(meta.loadedAtMs),
        source: meta.source,
      },
    };
  });
}

/** every configured partition, in config order */
export function partitionView(ca: RegisteredCa, snapshot: CaSnapshot | null, nowMs: number): PartitionView[] {
  return ranked(ca, snapshot, nowMs).map((r) => r.view);
}

const RANK: Record<PartitionState, number> = { not_loaded: 0, stale: 1, fresh: 2 };

/** counts by state and the `limit` worst partitions */
export function partitionOverview(ca: RegisteredCa, snapshot: CaSnapshot | null, nowMs: number, limit: number): PartitionOverview {
  const all = ranked(ca, snapshot, nowMs);
  const counts: PartitionCounts = { total: all.length, fresh: 0, stale: 0, notLoaded: 0 };
  for (const r of all) {
    if (r.state === 'fresh') counts.fresh++;
    else if (r.state === 'stale') counts.stale++;
    else counts.notLoaded++;
  }
  const worst = [...all]
    .sort((a, b) => RANK[a.state] - RANK[b.state] || a.nextUpdateMs - b.nextUpdateMs || (a.view.name < b.view.name ? -1 : 1))
    .slice(0, limit)
    .map((r) => r.view);
  return { counts, worst };
}
