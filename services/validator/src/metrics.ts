/**
 * Prometheus metrics on a registry of the app's own (tests create many apps in one process). OCSP counters are read from the
 * checker at scrape time: queries per issuer and kind, results, and the estimated cost in yen (J-LIS charges per query).
 */
import type { OcspChecker, StatusAnswer, StatusResolver } from '@jpki-validator/status';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ValidatorMetrics {
  registry: Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  countAnswer(answer: StatusAnswer): void;
  /** `count` answers at once (a batch counts per outcome, not per item); '' for no detail or no source */
  countAnswers(status: string, detail: string, source: string, count: number): void;
}

/**
 * Counts by label values, kept in a plain Map and handed to prom-client only at scrape time: `Counter.inc` with labels validates
 * and hashes them on every call, which the status hot path (tens of thousands of requests a second) and a 10 000-item batch
 * (one count per answer) should not pay.
 */
class LabelledCounts {
  private readonly counts = new Map<string, { labels: Record<string, string>; value: number }>();

  add(key: string, labels: () => Record<string, string>, n: number): void {
    const entry = this.counts.get(key);
    if (entry === undefined) this.counts.set(key, { labels: labels(), value: n });
    else entry.value += n;
  }

  publish(counter: Counter): void {
    counter.reset();
    for (const { labels, value } of this.counts.values()) counter.inc(labels, value);
  }
}

/**
 * The metric names of every part of the product (validator, fetcher, watch job) start with this, so one process serving several
 * parts (`start`) has one namespace; counters end in `_total`, units are base units (`_seconds`, `_bytes`).
 */
export const METRIC_PREFIX = 'jpki_validator_';

/**
 * prom-client's Node process metrics, without its three gauges named `…_total` (active handles, requests and resources: a
 * gauge with a counter's suffix, which `promtool check metrics` refuses); the same counts per type stay.
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(`${METRIC_PREFIX}${name}`);
}

export function createValidatorMetrics(
  resolver: StatusResolver,
  ocsp: OcspChecker | null,
  options: { processMetrics?: boolean; dataLoss?: { counts: ReadonlyMap<string, number> } } = {},
): ValidatorMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectProcessMetrics(registry);
  const requestCounts = new LabelledCounts();
  const answerCounts = new LabelledCounts();
  new Counter({
    name: 'jpki_validator_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
    collect() {
      requestCounts.publish(this);
    },
  });
  const duration = new Histogram({
    name: 'jpki_validator_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
    registers: [registry],
  });
  new Counter({
    name: 'jpki_validator_status_answers_total',
    help: 'status answers by status, detail and source',
    labelNames: ['status', 'detail', 'source'],
    registers: [registry],
    collect() {
      answerCounts.publish(this);
    },
  });
  const countAnswers = (status: string, detail: string, source: string, count: number): void => {
    answerCounts.add(`${status} ${detail} ${source}`, () => ({ status, detail, source }), count);
  };
  const stat = (name: string, help: string, pick: (s: ReturnType<OcspChecker['issuerStats']>[number]) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['ca', 'kind'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of ocsp?.issuerStats() ?? []) this.inc({ ca: s.caId, kind: s.kind }, pick(s));
      },
    });
  };
  stat('jpki_validator_ocsp_queries_total', 'OCSP queries sent (each one is charged)', (s) => s.queries);
  stat('jpki_validator_ocsp_answered_total', 'OCSP queries answered with a verified response', (s) => s.answered);
  stat('jpki_validator_ocsp_failed_total', 'OCSP queries that failed (network, timeout, HTTP, not successful)', (s) => s.failed);
  stat(
    'jpki_validator_ocsp_rejected_total',
    'OCSP responses rejected by verification (signature, responder, nonce, CertID)',
    (s) => s.rejected,
  );
  stat('jpki_validator_ocsp_cache_hits_total', 'OCSP answers served from the cache', (s) => s.cacheHits);
  stat('jpki_validator_ocsp_refused_total', 'OCSP questions not sent: spend cap or open circuit', (s) => s.refused);
  stat(
    'jpki_validator_ocsp_estimated_cost_yen_total',
    'estimated OCSP spend in yen (sign ~20, auth ~2 per query)',
    (s) => s.estimatedCostYen,
  );
  new Gauge({
    name: 'jpki_validator_ocsp_circuit_open',
    help: "1 while the issuer's OCSP responder circuit is open",
    labelNames: ['ca'],
    registers: [registry],
    collect() {
      this.reset();
      if (ocsp === null) return;
      for (const ca of resolver.registry.cas) if (ca.ocsp) this.set({ ca: ca.id }, ocsp.breakerState(ca) === 'open' ? 1 : 0);
    },
  });
  new Counter({
    name: 'jpki_validator_store_data_loss_total',
    help: 'data losses of the store this validator noticed (its copy belonged to an epoch Redis no longer holds)',
    labelNames: ['ca'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [caId, n] of options.dataLoss?.counts ?? []) this.inc({ ca: caId }, n);
    },
  });
  new Gauge({
    name: 'jpki_validator_crl_fresh',
    help: '1 while every configured partition of the issuer has a fresh CRL',
    labelNames: ['ca'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ca of resolver.registry.cas) this.set({ ca: ca.id }, resolver.crlFresh(ca) ? 1 : 0);
    },
  });
  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requestCounts.add(`${route} ${method} ${status}`, () => ({ route, method, status: String(status) }), 1);
      duration.observe({ route }, seconds);
    },
    countAnswer(answer) {
      countAnswers(answer.status, answer.detail ?? '', answer.source ?? '', 1);
    },
    countAnswers,
  };
}
