/**
 * StatusResolver: the contract's status answer for (issuer id or group, serial, {at, mode}). Fail closed: nothing it cannot vouch
 * for is `good`.
 *
 * Hot path: the in-memory snapshot of the CA's current generation (embedded store, or the Redis replica), read synchronously with
 * one reusable slot — no Redis round trip and no allocation beyond the verdict and the answer. Freshness is judged from a summary
 * cached per snapshot. OCSP is consulted per the policy (per issuer, overridable per request):
 * - `crl-first`: OCSP only when the CRL cannot vouch (stale, not loaded, store down);
 * - `ocsp-first`: OCSP, the CRL when OCSP is unavailable;
 * - `crl-only` / `ocsp-only`: that source alone.
 */
import { BITMAP_SERIAL_LIMIT, inBitmapRange, type CaSnapshot, type EntrySlot } from '@jpki-validator/store';
import { formatSerial, parseSerial, SerialError, type CrlReason } from '@jpki-validator/x509';
import { BulkStatusResolver } from './bulk-columns.js';
import type { CaRegistry, RegisteredCa } from './ca-registry.js';
import { SecondClock } from './clock.js';
import { CrlSummaries } from './crl-summary.js';
import type { OcspChecker } from './ocsp/checker.js';
import type { CheckOptions, StatusAnswer, StatusMode } from './types.js';
import { combineVerdicts, crlVerdict, ocspVerdict, unknownAnswer, type AnswerContext, type CaVerdict, type Via } from './verdict.js';

/** Where the resolver reads a CA's current generation: EmbeddedRevocationStore and RedisReplica both are one. */
export interface SnapshotSource {
  snapshot(caId: string): CaSnapshot | null;
}

export interface StatusResolverOptions {
  registry: CaRegistry;
  snapshots: SnapshotSource;
  /** false while the store has never answered: every CRL verdict is then `store_unavailable` (default: always true) */
  storeAvailable?: () => boolean;
  ocsp: OcspChecker | null;
  meaning: (reason: CrlReason) => string;
  now?: () => number;
  /** OCSP questions a batch asks at once (default 16) */
  batchOcspConcurrency?: number;
}

export interface BatchQuestion {
  issuer: string;
  serial: string;
  /** the serial's partition (as CheckOptions.partition); such questions take the single-question path */
  partition?: string | undefined;
}

export class StatusResolver {
  readonly registry: CaRegistry;
  private readonly options: StatusResolverOptions;
  private readonly summaries = new CrlSummaries();
  private readonly clock: SecondClock;
  /** the hot path's out-parameter: filled and read synchronously, never across an await */
  private readonly slot: EntrySlot = { reasonCode: -1, revokedAtMs: Number.NaN, invalidityMs: Number.NaN };

  /** the active profile's reason → meaning */
  get meaning(): (reason: CrlReason) => string {
    return this.options.meaning;
  }

  constructor(options: StatusResolverOptions) {
    this.options = options;
    this.registry = options.registry;
    this.clock = new SecondClock(options.now);
  }

  /** One question. A malformed serial answers `unknown` / `malformed_serial` (the HTTP layer turns that into a 400 for GET). */
  async check(issuer: string, serialInput: string | bigint, options: CheckOptions = {}): Promise<StatusAnswer> {
    const nowMs = this.clock.now();
    const checkedAt = this.clock.format(nowMs);
    let serial: bigint;
    if (typeof serialInput === 'bigint') serial = serialInput;
    else {
      try {
        serial = parseSerial(serialInput);
      } catch (error) {
        if (!(error instanceof SerialError)) throw error;
        return unknownAnswer(this.context(issuer, serialInput, checkedAt), 'malformed_serial', null, null);
      }
    }
    const ctx = this.context(issuer, formatSerial(serial), checkedAt);
    const cas = this.registry.resolve(issuer);
    if (cas === null) return unknownAnswer(ctx, 'issuer_unknown', null, null);
    // without `at`, whatever the CRL lists counts, even dated ahead of our clock (fail closed)
    const atMs = options.atMs ?? Number.POSITIVE_INFINITY;
    const first = cas[0];
    const partition = options.partition;
    if (cas.length === 1 && first !== undefined) {
      const verdict = this.verdictOf(first, serial, atMs, nowMs, options.mode ?? first.mode, partition);
      return combineVerdicts([verdict instanceof Promise ? await verdict : verdict], ctx);
    }
    const verdicts = await Promise.all(cas.map((ca) => this.verdictOf(ca, serial, atMs, nowMs, options.mode ?? ca.mode, partition)));
    return combineVerdicts(verdicts, ctx);
  }

  /**
   * One question answered synchronously from the in-memory CRL data, as `check(issuer, serial)` (no `at`, no `mode`) answers it —
   * or null when that answer may need OCSP (the policy asks OCSP first, or the CRL cannot vouch under `crl-first`) or the issuer is
   * unknown: take `check` then. For the HTTP status GET, whose async path costs more than the lookup (services/validator).
   */
  checkNow(issuer: string, serial: bigint): StatusAnswer | null {
    const cas = this.registry.resolve(issuer);
    if (cas === null) return null;
    const nowMs = this.clock.now();
    const verdicts: CaVerdict[] = [];
    for (const ca of cas) {
      const verdict = this.verdictNow(ca, serial, nowMs);
      if (verdict === null) return null;
      verdicts.push(verdict);
    }
    return combineVerdicts(verdicts, this.context(issuer, formatSerial(serial), this.clock.format(nowMs)));
  }

  /**
   * Many questions, answers in input order. Grouped by issuer, each CA's snapshot is read once with `lookupMany`; only items the
   * CRL cannot settle under an OCSP-using policy take the single-question path, a few at a time.
   */
  async checkMany(questions: readonly BatchQuestion[], options: CheckOptions = {}): Promise<StatusAnswer[]> {
    const nowMs = this.clock.now();
    const checkedAt = this.clock.format(nowMs);
    // without `at`, whatever the CRL lists counts, even dated ahead of our clock (fail closed)
    const atMs = options.atMs ?? Number.POSITIVE_INFINITY;
    const answers = new Array<StatusAnswer>(questions.length);
    const deferred: number[] = [];
    const byIssuer = new Map<string, number[]>();
    questions.forEach((q, i) => {
      // a question naming its partition is judged by that partition's freshness: the single-question path
      if (q.partition !== undefined) {
        deferred.push(i);
        return;
      }
      const list = byIssuer.get(q.issuer);
      if (list === undefined) byIssuer.set(q.issuer, [i]);
      else list.push(i);
    });
    for (const [issuer, indexes] of byIssuer) {
      const cas = this.registry.resolve(issuer);
      const serials = new Array<bigint | null>(indexes.length);
      indexes.forEach((qi, k) => {
        const raw = (questions[qi] as BatchQuestion).serial;
        try {
          serials[k] = parseSerial(raw);
        } catch (error) {
          if (!(error instanceof SerialError)) throw error;
          serials[k] = null;
          answers[qi] = unknownAnswer(this.context(issuer, raw, checkedAt), 'malformed_serial', null, null);
        }
      });
      if (cas === null) {
        indexes.forEach((qi, k) => {
          const s = serials[k];
          if (s !== null && s !== undefined)
            answers[qi] = unknownAnswer(this.context(issuer, formatSerial(s), checkedAt), 'issuer_unknown', null, null);
        });
        continue;
      }
      const perCa = cas.map((ca) => this.bulkCrlVerdicts(ca, serials, atMs, nowMs, options.mode ?? ca.mode));
      indexes.forEach((qi, k) => {
        const s = serials[k];
        if (s === null || s === undefined) return;
        const verdicts: CaVerdict[] = [];
        for (const column of perCa) {
          const v = column?.[k];
          if (v === undefined) {
            deferred.push(qi); // an OCSP-first policy: the single path asks OCSP
            return;
          }
          verdicts.push(v);
        }
        const answer = combineVerdicts(verdicts, this.context(issuer, formatSerial(s), checkedAt));
        if (answer.status === 'unknown' && this.ocspCouldHelp(cas, options.mode)) deferred.push(qi);
        else answers[qi] = answer;
      });
    }
    await this.answerDeferred(questions, deferred, answers, options);
    return answers;
  }

  /**
   * A columnar bulk resolver (bulk-columns.ts) over the same CAs, data, profile and clock. Its outcomes are `checkMany`'s answers
   * for every question without `at` or `mode` whose issuer `ocspMayAnswer` says no to.
   */
  bulk(): BulkStatusResolver {
    const { registry, snapshots, meaning, storeAvailable, now } = this.options;
    return new BulkStatusResolver({ registry, snapshots, meaning, ...(storeAvailable ? { storeAvailable } : {}), ...(now ? { now } : {}) });
  }

  /** the `checkedAt` an answer given now carries (the resolver's clock, to the second) */
  checkedAtNow(): string {
    return this.clock.format(this.clock.now());
  }

  /** whether OCSP may take part in answering about this issuer (id or group) under this policy override: a CA of it has a responder the policy lets us ask */
  ocspMayAnswer(issuer: string, mode?: StatusMode): boolean {
    const cas = this.registry.resolve(issuer);
    return cas !== null && this.ocspCouldHelp(cas, mode);
  }

  /** what the registry and the snapshots say about each CA, for /v1/issuers and /readyz */
  snapshotOf(caId: string): CaSnapshot | null {
    return this.storeAvailable() ? this.options.snapshots.snapshot(caId) : null;
  }

  /** whether the CA's CRL data can vouch for a serial right now */
  crlFresh(ca: RegisteredCa): boolean {
    const summary = this.summaries.of(ca, this.snapshotOf(ca.id));
    return summary.complete && this.clock.now() < summary.freshUntilMs;
  }

  private storeAvailable(): boolean {
    return this.options.storeAvailable?.() ?? true;
  }

  private context(issuer: string, serial: string, checkedAt: string): AnswerContext {
    return { issuer, medium: this.registry.mediumOf(issuer), serial, checkedAt, meaning: this.options.meaning };
  }

  private ocspCouldHelp(cas: readonly RegisteredCa[], override: StatusMode | undefined): boolean {
    return this.options.ocsp !== null && cas.some((ca) => ca.ocsp !== null && (override ?? ca.mode) !== 'crl-only');
  }

  /** The CA's verdict under `mode`: from the CRL, or from OCSP where the policy asks it (see `policyVerdict`). */
  private verdictOf(
    ca: RegisteredCa,
    serial: bigint,
    atMs: number,
    nowMs: number,
    mode: StatusMode,
    partition?: string,
  ): CaVerdict | Promise<CaVerdict> {
    return this.policyVerdict(
      ca,
      serial,
      atMs,
      nowMs,
      mode,
      (crlFallback) => {
        if (mode !== 'ocsp-first') return this.ocspVerdictOf(ca, serial, atMs, crlFallback?.via ?? null);
        return this.ocspVerdictOf(ca, serial, atMs, null).then((o) => {
          if (o.kind !== 'unknown') return o;
          const crl = this.crlVerdictOf(ca, serial, atMs, this.clock.now(), partition);
          return crl.kind === 'unknown' ? { ...o, via: crl.via } : crl;
        });
      },
      partition,
    );
  }

  /** `verdictOf` with no `at` under the CA's own policy, or null where that policy would ask OCSP. */
  private verdictNow(ca: RegisteredCa, serial: bigint, nowMs: number): CaVerdict | null {
    return this.policyVerdict(ca, serial, Number.POSITIVE_INFINITY, nowMs, ca.mode, () => null);
  }

  /**
   * The four policies, once: `askOcsp` is called where the policy needs an OCSP answer, with the CRL's own verdict under
   * `crl-first` (to fall back on) and null otherwise. The async path passes a query; the synchronous one gives up (null).
   */
  private policyVerdict<T>(
    ca: RegisteredCa,
    serial: bigint,
    atMs: number,
    nowMs: number,
    mode: StatusMode,
    askOcsp: (crlVerdict: CaVerdict | null) => T,
    partition?: string,
  ): CaVerdict | T {
    const ocspUsable = ca.ocsp !== null && this.options.ocsp !== null;
    switch (mode) {
      case 'crl-only':
        return this.crlVerdictOf(ca, serial, atMs, nowMs, partition);
      case 'crl-first': {
        const v = this.crlVerdictOf(ca, serial, atMs, nowMs, partition);
        return v.kind !== 'unknown' || !ocspUsable ? v : askOcsp(v);
      }
      case 'ocsp-first':
        return ocspUsable ? askOcsp(null) : this.crlVerdictOf(ca, serial, atMs, nowMs, partition);
      case 'ocsp-only':
        return ocspUsable ? askOcsp(null) : { kind: 'unknown', ca, detail: 'ocsp_unavailable', via: null };
    }
  }

  /** `partition`: judge freshness by that configured partition alone (a name the CA does not have: by the whole CA) */
  private crlVerdictOf(ca: RegisteredCa, serial: bigint, atMs: number, nowMs: number, partition?: string): CaVerdict {
    if (!this.storeAvailable()) return { kind: 'unknown', ca, detail: 'store_unavailable', via: null };
    const snapshot = this.options.snapshots.snapshot(ca.id);
    const whole = this.summaries.of(ca, snapshot);
    const summary = (partition === undefined ? undefined : whole.partition(partition)) ?? whole;
    let listed: EntrySlot | null = null;
    if (snapshot !== null) {
      if (inBitmapRange(serial)) listed = snapshot.lookupInto(Number(serial), this.slot) ? this.slot : null;
      else listed = snapshot.lookup(serial);
    }
    return crlVerdict(ca, summary, listed, atMs, nowMs);
  }

  private async ocspVerdictOf(ca: RegisteredCa, serial: bigint, atMs: number, fallbackVia: Via | null): Promise<CaVerdict> {
    const checker = this.options.ocsp;
    if (checker === null) return { kind: 'unknown', ca, detail: 'ocsp_unavailable', via: fallbackVia };
    const outcome = await checker.query(ca, serial);
    if (outcome.kind === 'unavailable') return { kind: 'unknown', ca, detail: 'ocsp_unavailable', via: fallbackVia };
    return ocspVerdict(ca, outcome.answer, atMs);
  }

  /** CRL verdicts for a column of serials; undefined entries where the policy asks OCSP first */
  private bulkCrlVerdicts(
    ca: RegisteredCa,
    serials: readonly (bigint | null)[],
    atMs: number,
    nowMs: number,
    mode: StatusMode,
  ): (CaVerdict | undefined)[] | null {
    if ((mode === 'ocsp-first' || mode === 'ocsp-only') && ca.ocsp !== null && this.options.ocsp !== null) return null;
    if (mode === 'ocsp-only') return serials.map(() => ({ kind: 'unknown', ca, detail: 'ocsp_unavailable', via: null }));
    if (!this.storeAvailable()) return serials.map(() => ({ kind: 'unknown', ca, detail: 'store_unavailable', via: null }));
    const snapshot = this.options.snapshots.snapshot(ca.id);
    const summary = this.summaries.of(ca, snapshot);
    const numbers = new Float64Array(serials.length);
    serials.forEach((s, k) => {
      // out of the safe range: looked up one by one below
      numbers[k] = s !== null && inBitmapRange(s) ? Number(s) : -1;
    });
    const bulk = snapshot?.lookupMany(numbers) ?? null;
    const slot: EntrySlot = { reasonCode: -1, revokedAtMs: Number.NaN, invalidityMs: Number.NaN };
    return serials.map((s, k) => {
      let listed: EntrySlot | null = null;
      if (s !== null && snapshot !== null && bulk !== null) {
        if ((numbers[k] as number) >= 0 && (numbers[k] as number) < BITMAP_SERIAL_LIMIT) {
          const code = bulk.reasonCodes[k] as number;
          if (code >= 0) {
            slot.reasonCode = code;
            slot.revokedAtMs = bulk.revokedAtMs[k] as number;
            slot.invalidityMs = bulk.invalidityMs[k] as number;
            listed = slot;
          }
        } else listed = snapshot.lookup(s);
      }
      return crlVerdict(ca, summary, listed, atMs, nowMs);
    });
  }

  private async answerDeferred(
    questions: readonly BatchQuestion[],
    deferred: readonly number[],
    answers: StatusAnswer[],
    options: CheckOptions,
  ): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < deferred.length) {
        const qi = deferred[next++] as number;
        const q = questions[qi] as BatchQuestion;
        answers[qi] = await this.check(q.issuer, q.serial, q.partition === undefined ? options : { ...options, partition: q.partition });
      }
    };
    const n = Math.min(this.options.batchOcspConcurrency ?? 16, deferred.length);
    await Promise.all(Array.from({ length: n }, worker));
  }
}
