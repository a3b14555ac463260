/**
 * The OCSP client the resolver falls back to (or starts with): requests built and responses verified with packages/x509 (signed by
 * the CA or by a delegated responder it certified), an optional nonce, a timeout per attempt, bounded retries, a circuit breaker per
 * responder URL, the answer cache, a spend cap per issuer, and counters per issuer and kind for metrics and cost estimates.
 */
import { randomBytes } from 'node:crypto';
import type { SmallKv } from '@jpki-validator/store';
import { buildOcspRequest, formatSerial, parseOcspResponse, verifyOcspResponse, X509Error, type OcspResponse } from '@jpki-validator/x509';
import type { Medium } from '@jpki-validator/config';
import type { CaKind, RegisteredCa } from '../ca-registry.js';
import type { OcspAnswer } from '../verdict.js';
import { OcspCache } from './cache.js';
import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuit-breaker.js';
import { SpendCap } from './spend-cap.js';
import { OcspTransportError, postOcspRequest } from './transport.js';

/** Estimated J-LIS charge per query, in yen, by kind: ~20 for a signature certificate, ~2 for an authentication one (config `ocsp.costYen` overrides, per medium). */
export const DEFAULT_OCSP_COST_YEN: Readonly<Record<CaKind, number>> = { sign: 20, auth: 2, other: 0 };

/** yen per query by medium and kind (the config's `ocsp.costYen`); `other` is never charged */
export type OcspCostTable = Readonly<Record<Medium, Readonly<Partial<Record<'sign' | 'auth', number>>>>>;

export type OcspFailure =
  | 'not_configured'
  | 'breaker_open'
  | 'spend_cap'
  | 'timeout'
  | 'network'
  | 'http_status'
  | 'malformed'
  | 'not_successful'
  | 'rejected';

export type OcspOutcome =
  | { kind: 'answer'; answer: OcspAnswer; cached: boolean }
  | { kind: 'unavailable'; why: OcspFailure; message: string };

export interface OcspCheckerOptions {
  /** where answers are cached until their nextUpdate (the store's kv); null: no cache */
  kv: SmallKv | null;
  /** per attempt (default 2 000) */
  timeoutMs?: number;
  /** extra attempts after a retryable failure (default 1) */
  retries?: number;
  retryDelayMs?: number;
  /** send a 16-octet nonce (default true) */
  nonce?: boolean;
  breaker?: CircuitBreakerOptions;
  /** paid queries per issuer per minute (default 600); a CA's own `ocsp.maxQueriesPerMinute` wins */
  maxQueriesPerMinute?: number;
  /** yen per query by kind, for every medium (default DEFAULT_OCSP_COST_YEN) */
  costYen?: Partial<Record<CaKind, number>>;
  /** yen per query by medium and kind (the config's); wins over `costYen` */
  costYenByMedium?: OcspCostTable;
  now?: () => number;
  /** cache failures and rejected responses, for the service's log */
  onEvent?: (event: OcspEvent) => void;
}

export type OcspEvent =
  | { type: 'cache_error'; error: unknown }
  | { type: 'query_failed'; caId: string; why: OcspFailure; message: string; attempt: number };

/** Counters for one issuer: every query sent is counted (retries too: each is charged). */
export interface OcspIssuerStats {
  caId: string;
  kind: CaKind;
  medium: Medium;
  /** queries sent to the responder */
  queries: number;
  answered: number;
  failed: number;
  rejected: number;
  cacheHits: number;
  /** questions refused by the spend cap or an open breaker (no query sent) */
  refused: number;
  /** queries × the kind's yen */
  estimatedCostYen: number;
}

export class OcspChecker {
  private readonly options: OcspCheckerOptions;
  private readonly cache: OcspCache;
  private readonly spend: SpendCap;
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly inFlight = new Map<string, Promise<OcspOutcome>>();
  private readonly stats = new Map<string, OcspIssuerStats>();
  private readonly costYen: Readonly<Record<CaKind, number>>;
  private readonly now: () => number;

  constructor(options: OcspCheckerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.cache = new OcspCache(options.kv, (error) => options.onEvent?.({ type: 'cache_error', error }));
    this.spend = new SpendCap(options.maxQueriesPerMinute ?? 600, this.now);
    this.costYen = { ...DEFAULT_OCSP_COST_YEN, ...options.costYen };
  }

  /** the breaker state of the CA's responder; `closed` when it has none configured */
  breakerState(ca: RegisteredCa): BreakerState {
    return ca.ocsp ? this.breakerOf(ca.ocsp.url).state : 'closed';
  }

  /** the most `ca`'s answers may cost in a day: its spend cap (queries a minute) × 1 440 minutes × the yen of one query */
  dailyCapYen(ca: RegisteredCa): number {
    if (ca.ocsp === null) return 0;
    return (ca.ocsp.maxQueriesPerMinute ?? this.options.maxQueriesPerMinute ?? 600) * 1_440 * this.costOf(ca);
  }

  /** a copy of every issuer's counters */
  issuerStats(): OcspIssuerStats[] {
    return [...this.stats.values()].map((s) => ({ ...s }));
  }

  /** One question; concurrent identical questions share one query (each query costs money). */
  query(ca: RegisteredCa, serial: bigint): Promise<OcspOutcome> {
    const key = `${ca.id}:${serial}`;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const promise = this.ask(ca, serial).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  private async ask(ca: RegisteredCa, serial: bigint): Promise<OcspOutcome> {
    if (ca.ocsp === null) return { kind: 'unavailable', why: 'not_configured', message: `issuer ${ca.id} has no OCSP responder` };
    const stats = this.statsOf(ca);
    const serialHex = formatSerial(serial);
    const cached = await this.cache.get(ca.id, serialHex, this.now());
    if (cached !== null) {
      stats.cacheHits++;
      return { kind: 'answer', answer: cached, cached: true };
    }
    const breaker = this.breakerOf(ca.ocsp.url);
    if (!breaker.allow()) {
      stats.refused++;
      return { kind: 'unavailable', why: 'breaker_open', message: `OCSP responder ${ca.ocsp.url} is failing; circuit open` };
    }
    const attempts = 1 + (this.options.retries ?? 1);
    let last: OcspOutcome = { kind: 'unavailable', why: 'network', message: 'no attempt made' };
    /** the breaker has been told how this question went */
    let settled = false;
    /** an attempt reached the responder and failed */
    let failed = false;
    try {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        if (!this.spend.tryTake(ca.id, ca.ocsp.maxQueriesPerMinute)) {
          stats.refused++;
          // Not the responder's doing: a request never sent leaves the circuit as it was (a half-open trial is handed back, the
          // circuit is not closed on no evidence) — unless an earlier attempt of this question already failed.
          settled = true;
          if (failed) breaker.failure();
          else breaker.release();
          return { kind: 'unavailable', why: 'spend_cap', message: `OCSP spend cap for ${ca.id} reached this minute` };
        }
        const { outcome, retryable } = await this.once(ca, ca.ocsp.url, serial, stats);
        last = outcome;
        if (outcome.kind === 'answer') {
          settled = true;
          breaker.success();
          await this.cache.put(ca.id, serialHex, outcome.answer, this.now());
          return outcome;
        }
        failed = true;
        this.options.onEvent?.({ type: 'query_failed', caId: ca.id, why: outcome.why, message: outcome.message, attempt });
        if (!retryable || attempt === attempts) break;
        await new Promise((r) => setTimeout(r, (this.options.retryDelayMs ?? 50) * attempt));
      }
      settled = true;
      breaker.failure();
      return last;
    } finally {
      // A throw (a bug, a failing event sink) must not leave a half-open trial in flight, refusing every later question for good:
      // it counts as a failure, so the circuit opens and tries again after its cool-down.
      if (!settled) breaker.failure();
    }
  }

  private async once(
    ca: RegisteredCa,
    url: string,
    serial: bigint,
    stats: OcspIssuerStats,
  ): Promise<{ outcome: OcspOutcome; retryable: boolean }> {
    const nonce = this.options.nonce === false ? undefined : new Uint8Array(randomBytes(16));
    const request = buildOcspRequest({ serial, issuer: ca.certificate, ...(nonce ? { nonce } : {}) });
    stats.queries++;
    stats.estimatedCostYen += this.costOf(ca);
    let response: OcspResponse;
    try {
      response = parseOcspResponse(await postOcspRequest(url, request.der, this.options.timeoutMs ?? 2_000));
    } catch (error) {
      stats.failed++;
      if (error instanceof OcspTransportError)
        return { outcome: { kind: 'unavailable', why: error.failure, message: error.message }, retryable: error.retryable };
      if (error instanceof X509Error)
        return { outcome: { kind: 'unavailable', why: 'malformed', message: error.message }, retryable: false };
      throw error;
    }
    if (response.responseStatus !== 'successful') {
      stats.failed++;
      const retryable = response.responseStatus === 'tryLater' || response.responseStatus === 'internalError';
      return {
        outcome: { kind: 'unavailable', why: 'not_successful', message: `OCSP responder ${url} answered ${response.responseStatus}` },
        retryable,
      };
    }
    const verification = verifyOcspResponse(withPinnedResponder(response, ca), {
      issuer: ca.certificate,
      request: { certId: request.certId, nonce: request.nonce },
      now: new Date(this.now()),
      skewSeconds: ca.freshness.skewSeconds,
    });
    const single = verification.response;
    if (!verification.ok || single === null || response.basic === null) {
      stats.rejected++;
      const message = `OCSP response from ${url} rejected: ${verification.problems.map((p) => `${p.code} (${p.message})`).join('; ')}`;
      return { outcome: { kind: 'unavailable', why: 'rejected', message }, retryable: false };
    }
    stats.answered++;
    const answer: OcspAnswer = {
      status: single.status,
      reason: single.revocationReason,
      revokedAtMs: single.revocationTime?.getTime() ?? Number.NaN,
      producedAtMs: response.basic.producedAt.getTime(),
      thisUpdateMs: single.thisUpdate.getTime(),
      nextUpdateMs: single.nextUpdate?.getTime() ?? null,
    };
    return { outcome: { kind: 'answer', answer, cached: false }, retryable: false };
  }

  /** the configured yen of one query about `ca`'s certificates */
  private costOf(ca: RegisteredCa): number {
    if (ca.kind === 'other') return this.costYen.other;
    return this.options.costYenByMedium?.[ca.medium]?.[ca.kind] ?? this.costYen[ca.kind];
  }

  private breakerOf(url: string): CircuitBreaker {
    let breaker = this.breakers.get(url);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.options.breaker);
      this.breakers.set(url, breaker);
    }
    return breaker;
  }

  private statsOf(ca: RegisteredCa): OcspIssuerStats {
    let s = this.stats.get(ca.id);
    if (s === undefined) {
      s = {
        caId: ca.id,
        kind: ca.kind,
        medium: ca.medium,
        queries: 0,
        answered: 0,
        failed: 0,
        rejected: 0,
        cacheHits: 0,
        refused: 0,
        estimatedCostYen: 0,
      };
      this.stats.set(ca.id, s);
    }
    return s;
  }
}

/**
 * A responder certificate pinned in the config (`ocsp.responderCert`) is offered to the verifier as if the response had included
 * it; the verifier still checks that this CA issued it for OCSP signing.
 */
function withPinnedResponder(response: OcspResponse, ca: RegisteredCa): OcspResponse {
  const pinned = ca.ocsp?.responderCert;
  if (!pinned || response.basic === null) return response;
  return { ...response, basic: { ...response.basic, certs: [...response.basic.certs, pinned] } };
}
