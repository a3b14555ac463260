/**
 * Columnar bulk status: millions of (issuer, serial) rows answered from CRL data as small integers, for `jpki-validator check`.
 *
 * `StatusResolver.checkMany` builds a full answer object per row; at millions of rows the objects (and their garbage collection)
 * cost more than the lookups. Here the rules are applied per CA and per batch instead of per row: a round judges every CA's data
 * once (verdict.ts's `crlVerdict` on its snapshot summary), and the per-row work is one snapshot lookup per CA plus an index into
 * a table of outcomes (bulk-outcomes.ts). Every outcome is built by verdict.ts's `crlVerdict` + `combineVerdicts` — one set of
 * rules — so a row's outcome with its dates is exactly what `checkMany` answers for it (the tests compare the two row by row).
 *
 * Scope: CRL data alone, as `StatusResolver` answers without an OCSP checker, and as of now (no `at`: every listed entry counts).
 */
import type { EntrySlot } from '@jpki-validator/store';
import { BITMAP_SERIAL_LIMIT, inBitmapRange } from '@jpki-validator/store';
import { formatSerial, parseSerial, SerialError, type CrlReason } from '@jpki-validator/x509';
import { BulkOutcomeTable, type BulkOutcome } from './bulk-outcomes.js';
import type { CaRegistry, RegisteredCa } from './ca-registry.js';
import { SecondClock } from './clock.js';
import { CrlSummaries } from './crl-summary.js';
import type { SnapshotSource } from './resolver.js';
import { combineVerdicts, crlVerdict, unknownAnswer, type AnswerContext } from './verdict.js';
import { BulkIssuerPlan, type PlanOutcomes, type RoundCa } from './bulk-issuer-plan.js';

export interface BulkStatusOptions {
  registry: CaRegistry;
  snapshots: SnapshotSource;
  meaning: (reason: CrlReason) => string;
  /** false while the store has never answered: every CA is then `store_unavailable` (default: always true) */
  storeAvailable?: () => boolean;
  now?: () => number;
}

/** A bulk answer, one slot per row: the outcome's index in `BulkStatusResolver.outcomes`, and the row's own dates. */
export interface BulkColumns {
  outcome: Int32Array;
  /** revocationDate (ms) of a revoked row; NaN for the others */
  revokedAtMs: Float64Array;
  /** invalidityDate (ms) of a revoked row that has one; NaN otherwise */
  invalidityMs: Float64Array;
}

interface IssuerEntry {
  name: string;
  /** null: not configured (issuer_unknown) */
  cas: readonly RegisteredCa[] | null;
}

/** a row whose answer the caller has already given: left as it is */
export const SKIP_ROW = -1;

const AS_OF_NOW = Number.POSITIVE_INFINITY;

export class BulkStatusResolver {
  readonly registry: CaRegistry;
  private readonly options: BulkStatusOptions;
  private readonly table = new BulkOutcomeTable();
  private readonly summaries = new CrlSummaries();
  private readonly clock: SecondClock;
  private readonly handles = new Map<string, number>();
  private readonly issuers: IssuerEntry[] = [];

  constructor(options: BulkStatusOptions) {
    this.options = options;
    this.registry = options.registry;
    this.clock = new SecondClock(options.now);
  }

  /** every outcome given so far; indexes never change */
  get outcomes(): readonly BulkOutcome[] {
    return this.table.outcomes;
  }

  /** A number naming an issuer (a CA id or a group) in the columns; an issuer that is not configured gets one too (issuer_unknown). */
  issuerHandle(idOrGroup: string): number {
    let handle = this.handles.get(idOrGroup);
    if (handle === undefined) {
      handle = this.issuers.length;
      this.issuers.push({ name: idOrGroup, cas: this.registry.resolve(idOrGroup) });
      this.handles.set(idOrGroup, handle);
    }
    return handle;
  }

  /** the outcome of a row that cannot be asked (e.g. `malformed_serial`, `issuer_unknown`): no CA, no source */
  unknownOutcome(issuer: string, detail: 'malformed_serial' | 'issuer_unknown'): number {
    return this.table.indexOf(unknownAnswer(this.context(issuer), detail, null, null));
  }

  /** Starts a round: the clock is read and every CA's data judged once. Use one round per batch (freshness may change between). */
  round(): BulkRound {
    const nowMs = this.clock.now();
    const storeUp = this.options.storeAvailable?.() ?? true;
    const cas = new Map<RegisteredCa, RoundCa>();
    for (const ca of this.registry.cas) cas.set(ca, this.roundCa(ca, nowMs, storeUp));
    return new BulkRound(this.issuers, cas, (issuer) => this.planOutcomes(issuer));
  }

  /** how a plan turns verdicts into outcome indexes: verdict.ts's own answers */
  private planOutcomes(issuer: string): PlanOutcomes {
    const ctx = this.context(issuer);
    return {
      of: (verdicts) => this.table.indexOf(combineVerdicts(verdicts, ctx)),
      caIdOf: (verdicts) => combineVerdicts(verdicts, ctx).caId,
      malformed: this.unknownOutcome(issuer, 'malformed_serial'),
      issuerUnknown: this.unknownOutcome(issuer, 'issuer_unknown'),
    };
  }

  private context(issuer: string): AnswerContext {
    // serial and checkedAt are per row, and not part of an outcome
    return { issuer, medium: this.registry.mediumOf(issuer), serial: '', checkedAt: '', meaning: this.options.meaning };
  }

  /** a CA's verdict for an unlisted serial, and whether a listing counts (both the same for every row of the round) */
  private roundCa(ca: RegisteredCa, nowMs: number, storeUp: boolean): RoundCa {
    // as StatusResolver without an OCSP checker: `ocsp-only` cannot be answered, every other policy reads the CRL
    if (ca.mode === 'ocsp-only')
      return { ca, snapshot: null, absent: { kind: 'unknown', ca, detail: 'ocsp_unavailable', via: null }, listedVerdict: () => null };
    if (!storeUp)
      return { ca, snapshot: null, absent: { kind: 'unknown', ca, detail: 'store_unavailable', via: null }, listedVerdict: () => null };
    const snapshot = this.options.snapshots.snapshot(ca.id);
    const summary = this.summaries.of(ca, snapshot);
    const absent = crlVerdict(ca, summary, null, AS_OF_NOW, nowMs);
    const probe: EntrySlot = { reasonCode: 0, revokedAtMs: 0, invalidityMs: Number.NaN };
    // a listed serial is revoked only when the CA's data stands (crlVerdict decides; it does not depend on the entry's dates as of now)
    const listingCounts = crlVerdict(ca, summary, probe, AS_OF_NOW, nowMs).kind === 'revoked';
    return {
      ca,
      snapshot: listingCounts ? snapshot : null,
      absent,
      listedVerdict: (reasonCode: number) => {
        probe.reasonCode = reasonCode;
        return crlVerdict(ca, summary, probe, AS_OF_NOW, nowMs);
      },
    };
  }
}

/** One batch's answers: per-CA facts fixed, per-row work only lookups and small integers. */
export class BulkRound {
  private readonly issuers: ReadonlyArray<IssuerEntry>;
  private readonly cas: ReadonlyMap<RegisteredCa, RoundCa>;
  private readonly outcomesFor: (issuer: string) => PlanOutcomes;
  private readonly plans: Array<BulkIssuerPlan | undefined> = [];
  private readonly slot: EntrySlot = { reasonCode: -1, revokedAtMs: Number.NaN, invalidityMs: Number.NaN };

  constructor(issuers: ReadonlyArray<IssuerEntry>, cas: ReadonlyMap<RegisteredCa, RoundCa>, outcomesFor: (issuer: string) => PlanOutcomes) {
    this.issuers = issuers;
    this.cas = cas;
    this.outcomesFor = outcomesFor;
  }

  /**
   * Answers rows [start, end) into `out` (same indexes). `handles[i]`: the row's issuerHandle, or SKIP_ROW. `serials[i]`: the
   * value from `readSerialNumber`, or NEEDS_FULL_PARSE with the text in `serialTexts[i]` (read by `parseSerial`; no text:
   * malformed). A malformed serial is `malformed_serial` before the issuer is looked at, as in `checkMany`.
   */
  answer(
    handles: Int32Array,
    serials: Float64Array,
    serialTexts: ArrayLike<string | undefined> | null,
    start: number,
    end: number,
    out: BulkColumns,
  ): void {
    const slot = this.slot;
    for (let i = start; i < end; i++) {
      const handle = handles[i] as number;
      if (handle < 0) continue;
      const plan = this.plans[handle] ?? this.planFor(handle);
      let serial = serials[i] as number;
      let big: bigint | null = null;
      if (serial < 0) {
        // NEEDS_FULL_PARSE (or any other negative: no usable number)
        const parsed = parseOrNull(serialTexts?.[i]);
        if (parsed === null) {
          out.outcome[i] = plan.malformed;
          out.revokedAtMs[i] = Number.NaN;
          out.invalidityMs[i] = Number.NaN;
          continue;
        }
        if (inBitmapRange(parsed)) serial = Number(parsed);
        else big = parsed;
      } else if (serial >= BITMAP_SERIAL_LIMIT) big = BigInt(serial);
      out.outcome[i] = big === null ? plan.answer(serial, slot) : plan.answerBig(big, slot);
      out.revokedAtMs[i] = slot.revokedAtMs;
      out.invalidityMs[i] = slot.invalidityMs;
    }
  }

  private planFor(handle: number): BulkIssuerPlan {
    const issuer = this.issuers[handle];
    if (issuer === undefined) throw new RangeError(`issuer handle ${handle} was not given by this resolver`);
    const cas = issuer.cas === null ? null : issuer.cas.map((ca) => this.cas.get(ca) ?? missing(ca));
    const plan = new BulkIssuerPlan(this.outcomesFor(issuer.name), cas);
    this.plans[handle] = plan;
    return plan;
  }
}

function missing(ca: RegisteredCa): never {
  throw new RangeError(`CA ${ca.id} is not in the resolver's registry`);
}

function parseOrNull(text: string | undefined): bigint | null {
  if (text === undefined) return null;
  try {
    return parseSerial(text);
  } catch (error) {
    if (error instanceof SerialError) return null;
    throw error;
  }
}

/** the serial as an answer shows it (for callers rebuilding full answers from the columns) */
export function answerSerialText(text: string): string {
  const parsed = parseOrNull(text);
  return parsed === null ? text : formatSerial(parsed);
}
