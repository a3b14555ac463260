/**
 * What the console's pages show, computed on the server so a page stays small however many partitions and days there are: the
 * overview (the same judgement as /readyz, issuers by medium and kind, partitions counted by state with the worst named), one
 * page of partitions, and the day counters of the ops history folded into series.
 */
import { partitionOverview, type OcspChecker, type PartitionView, type StatusResolver } from '@jpki-validator/status';
import type { DataLossNotice, DayCounts } from '@jpki-validator/store';
import { CRL_REASON_NAMES, type CrlReason } from '@jpki-validator/x509';
import { judgeReadiness, type Readiness } from '../readiness.js';

export interface ConsoleSources {
  resolver: StatusResolver;
  ocsp: OcspChecker | null;
  probeStore: () => Promise<boolean>;
  storeKind: 'redis' | 'embedded' | null;
  storeDataLoss?: () => readonly DataLossNotice[];
  now: () => number;
}

export type PartitionState = 'fresh' | 'stale' | 'not_loaded';
export type RankedPartition = PartitionView & { caId: string; state: PartitionState };

/** partitions named worst-first on the overview */
const WORST_SHOWN = 10;

function stateOf(view: PartitionView): PartitionState {
  return view.loadedAt === null ? 'not_loaded' : view.stale ? 'stale' : 'fresh';
}

/** every partition of every CA (or one), worst first within each CA */
function rankedPartitions(sources: ConsoleSources, caId: string | null): RankedPartition[] {
  const nowMs = sources.now();
  const out: RankedPartition[] = [];
  for (const ca of sources.resolver.registry.cas) {
    if (caId !== null && ca.id !== caId) continue;
    const snapshot = sources.resolver.snapshotOf(ca.id);
    const { worst } = partitionOverview(ca, snapshot, nowMs, ca.partitions.length);
    for (const view of worst) out.push({ ...view, caId: ca.id, state: stateOf(view) });
  }
  return out;
}

const STATE_RANK: Record<PartitionState, number> = { not_loaded: 0, stale: 1, fresh: 2 };

export async function overview(sources: ConsoleSources) {
  const readiness: Readiness = await judgeReadiness(
    sources.resolver,
    sources.ocsp,
    sources.probeStore,
    sources.storeDataLoss,
    sources.now(),
  );
  const byId = new Map(readiness.issuers.map((i) => [i.id, i]));
  const issuers = sources.resolver.registry.cas.map((ca) => {
    const judged = byId.get(ca.id);
    return {
      id: ca.id,
      group: ca.group,
      medium: ca.medium,
      kind: ca.kind,
      retired: ca.retired,
      partitionCount: ca.partitions.length,
      crl: judged?.crl ?? 'none',
      ocsp: judged?.ocsp ?? null,
      ready: judged?.ready ?? false,
      ocspCapYenPerDay: sources.ocsp === null ? 0 : sources.ocsp.dailyCapYen(ca),
    };
  });
  const mediumKind = new Map<string, { medium: string; kind: string; issuers: number; ready: number }>();
  for (const i of issuers) {
    const key = `${i.medium}/${i.kind}`;
    const row = mediumKind.get(key) ?? { medium: i.medium, kind: i.kind, issuers: 0, ready: 0 };
    row.issuers++;
    if (i.ready) row.ready++;
    mediumKind.set(key, row);
  }
  const all = rankedPartitions(sources, null);
  const counts = { total: all.length, fresh: 0, stale: 0, notLoaded: 0 };
  for (const p of all) {
    if (p.state === 'fresh') counts.fresh++;
    else if (p.state === 'stale') counts.stale++;
    else counts.notLoaded++;
  }
  const worst = all
    .filter((p) => p.state !== 'fresh')
    .sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || nextUpdateMs(a) - nextUpdateMs(b))
    .slice(0, WORST_SHOWN);
  const circuits = issuers.filter((i) => i.ocsp !== null).map((i) => ({ caId: i.id, state: i.ocsp }));
  return {
    generatedAt: new Date(sources.now()).toISOString(),
    ready: readiness.ready,
    reasons: readiness.reasons,
    store: { kind: sources.storeKind, status: readiness.store, dataLoss: readiness.storeDataLoss },
    issuers,
    byMediumKind: [...mediumKind.values()],
    partitions: { ...counts, worst },
    ocspCircuits: circuits,
  };
}

function nextUpdateMs(p: PartitionView): number {
  return p.nextUpdate === null ? Number.NEGATIVE_INFINITY : Date.parse(p.nextUpdate);
}

export function partitionsPage(
  sources: ConsoleSources,
  query: { caId: string | null; state: PartitionState | null; offset: number; limit: number },
) {
  const all = rankedPartitions(sources, query.caId).filter((p) => query.state === null || p.state === query.state);
  return { total: all.length, offset: query.offset, items: all.slice(query.offset, query.offset + query.limit) };
}

/** the day counters as series, one value per day (oldest first) */
export function historySeries(days: readonly DayCounts[], meaning: (reason: CrlReason) => string, caId: string | null) {
  const n = days.length;
  const zeros = (): number[] => new Array<number>(n).fill(0);
  const byReason: Record<string, number[]> = {};
  const byMeaning: Record<string, number[]> = {};
  const loads: Record<string, number[]> = {
    loaded: zeros(),
    unchanged: zeros(),
    'not-modified': zeros(),
    rejected: zeros(),
    failed: zeros(),
  };
  const watch: Record<string, number[]> = {
    passes: zeros(),
    events: zeros(),
    revoked: zeros(),
    expired: zeros(),
    delivered: zeros(),
    deliveryFailures: zeros(),
  };
  const ocsp: Record<string, number[]> = { queries: zeros(), cacheHits: zeros(), refused: zeros(), failed: zeros(), spendYen: zeros() };
  const reasons = new Set<string>(CRL_REASON_NAMES);
  days.forEach(({ counts }, i) => {
    for (const [name, value] of Object.entries(counts)) {
      const [family, a, b] = splitName(name);
      if (family === 'revoked' && a !== null && b !== null && reasons.has(b)) {
        if (caId !== null && a !== caId) continue;
        const m = meaning(b as CrlReason);
        add((byReason[b] ??= zeros()), i, value);
        add((byMeaning[m] ??= zeros()), i, value);
      } else if (family === 'crl' && a !== null) add(loads[a], i, value);
      else if (family === 'watch' && a !== null) add(watch[a], i, value);
      else if (family === 'ocsp' && a !== null && b !== null && (caId === null || b === caId)) add(ocsp[a], i, value);
    }
  });
  return { days: days.map((d) => d.day), revocations: { byReason, byMeaning }, loads, watch, ocsp };
}

function add(series: number[] | undefined, i: number, value: number): void {
  if (series !== undefined) series[i] = (series[i] ?? 0) + value;
}

/** `family.a.rest` — the last part may itself hold dots (a CA id does not; a partition is never in a counter name) */
function splitName(name: string): [string, string | null, string | null] {
  const first = name.indexOf('.');
  if (first < 0) return [name, null, null];
  const second = name.indexOf('.', first + 1);
  if (second < 0) return [name.slice(0, first), name.slice(first + 1), null];
  return [name.slice(0, first), name.slice(first + 1, second), name.slice(second + 1)];
}
