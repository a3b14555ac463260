/**
 * `/readyz`: ready when the store answers and every configured, non-retired issuer has a fresh CRL or an OCSP responder whose
 * circuit is not open. OCSP is judged from the circuit breaker, never by spending a paid query (NOTES "OCSP").
 */
import type { OcspChecker, StatusResolver } from '@jpki-validator/status';
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
  issuers: { id: string; crl: 'fresh' | 'stale' | 'not_loaded' | 'none'; ocsp: 'closed' | 'open' | 'half-open' | null; ready: boolean }[];
  reasons: string[];
}

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
): Promise<Readiness> {
  const storeOk = await probeWithTimeout(probeStore);
  const reasons: string[] = [];
  if (!storeOk) reasons.push('store: not answering');
  const issuers = resolver.registry.cas.map((ca) => {
    const snapshot = resolver.snapshotOf(ca.id);
    const crl: Readiness['issuers'][number]['crl'] =
      ca.partitions.length === 0 ? 'none' : resolver.crlFresh(ca) ? 'fresh' : snapshot?.loaded ? 'stale' : 'not_loaded';
    const circuit = ca.ocsp && ocsp ? ocsp.breakerState(ca) : null;
    const ready = ca.retired || crl === 'fresh' || (circuit !== null && circuit !== 'open');
    if (!ready) reasons.push(`issuer ${ca.id}: CRL ${crl.replace('_', ' ')}${ca.ocsp ? ', OCSP circuit open' : ', no OCSP responder'}`);
    return { id: ca.id, crl, ocsp: circuit, ready };
  });
  const storeDataLoss = dataLoss()
    .filter((n) => nowMs - n.detectedAtMs < DATA_LOSS_SHOWN_MS)
    .map((n) => ({
      caId: n.caId,
      detectedAt: new Date(Math.floor(n.detectedAtMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      previousEpoch: n.previousEpoch,
      currentEpoch: n.currentEpoch,
      detail: n.detail,
    }));
  return { ready: storeOk && issuers.every((i) => i.ready), store: storeOk ? 'ok' : 'down', storeDataLoss, issuers, reasons };
}
