/**
 * `/readyz`: ready when the store answers, at least one issuer is configured, and every configured, non-retired issuer has a fresh
 * CRL or an OCSP responder whose circuit is not open. OCSP is judged from the circuit breaker, never by spending a paid query.
 */
import { partitionOverview, type OcspChecker, type PartitionCounts, type StatusResolver } from '@jpki-validator/status';
import type { DataLossNotice } from '@jpki-validator/store';

export interface Readiness {
  ready: boolean;
  store: 'ok' | 'down';
  /**
   * Data losses of the store noticed in the last 24 h (Redis restarted empty, FLUSHALL, a failover to an empty replica). Not a
   * reason to be unready by itself: answers come from data the validator can vouch for, and the issuers' CRL states say what
   * is missing until the fetcher has reloaded it.
   */
  storeDataLoss: { caId: string; detectedAt: string; previousEpoch: string | null; currentEpoch: string | null; detail: string }[];
  issuers: {
    id: string;
    crl: 'fresh' | 'stale' | 'not_loaded' | 'none';
    /** a CA of several partitions: counted by state, with the few worst that are not fresh */
    partitions?: PartitionCounts & { worst: string[] };
    ocsp: 'closed' | 'open' | 'half-open' | null;
    ready: boolean;
  }[];
  reasons: string[];
}

/** not-fresh partitions named per issuer, in the body and in a reason line */
const WORST_NAMED = 5;

/** how long a data loss stays listed in /readyz */
const DATA_LOSS_SHOWN_MS = 24 * 3_600_000;

/** the store probe gets this long before it counts as down */
const PROBE_TIMEOUT_MS = 1_000;

async function probeWithTimeout(probe: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function judgeReadiness(
  resolver: StatusResolver,
  ocsp: OcspChecker | null,
  probeStore: () => Promise<boolean>,
  dataLoss: () => readonly DataLossNotice[] = () => [],
  nowMs: number = Date.now(),
  draining = false,
): Promise<Readiness> {
  const storeOk = await probeWithTimeout(probeStore);
  const reasons: string[] = [];
  if (draining) reasons.push('draining: shutting down (SIGTERM); still answering what is in flight and what arrives meanwhile');
  if (!storeOk) reasons.push('store: not answering');
  const issuers = resolver.registry.cas.map((ca) => {
    const snapshot = resolver.snapshotOf(ca.id);
    const crl: Readiness['issuers'][number]['crl'] =
      ca.partitions.length === 0 ? 'none' : resolver.crlFresh(ca) ? 'fresh' : snapshot?.loaded ? 'stale' : 'not_loaded';
    const circuit = ca.ocsp && ocsp ? ocsp.breakerState(ca) : null;
    const ready = ca.retired || crl === 'fresh' || (circuit !== null && circuit !== 'open');
    let partitions: Readiness['issuers'][number]['partitions'];
    let which = '';
    if (ca.partitions.length > 1) {
      const overview = partitionOverview(ca, snapshot, nowMs, WORST_NAMED);
      const worst = overview.worst.filter((p) => p.stale).map((p) => p.name);
      partitions = { ...overview.counts, worst };
      const notFresh = overview.counts.stale + overview.counts.notLoaded;
      if (notFresh > 0)
        which = ` (${notFresh} of ${overview.counts.total} partitions: ${worst.join(', ')}${notFresh > worst.length ? ', …' : ''})`;
    }
    if (!ready)
      reasons.push(`issuer ${ca.id}: CRL ${crl.replace('_', ' ')}${which}${ca.ocsp ? ', OCSP circuit open' : ', no OCSP responder'}`);
    return { id: ca.id, crl, ...(partitions ? { partitions } : {}), ocsp: circuit, ready };
  });
  // with no issuer configured every question would be `issuer_unknown`: nothing to serve, so not ready
  if (issuers.length === 0) reasons.push('no issuers configured: give a config with `issuers` (--config FILE or JPKI_VALIDATOR_CONFIG)');
  const storeDataLoss = dataLoss()
    .filter((n) => nowMs - n.detectedAtMs < DATA_LOSS_SHOWN_MS)
    .map((n) => ({
      caId: n.caId,
      detectedAt: new Date(Math.floor(n.detectedAtMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      previousEpoch: n.previousEpoch,
      currentEpoch: n.currentEpoch,
      detail: n.detail,
    }));
  return {
    ready: !draining && storeOk && issuers.length > 0 && issuers.every((i) => i.ready),
    store: storeOk ? 'ok' : 'down',
    storeDataLoss,
    issuers,
    reasons,
  };
}
