/**
 * One issuer's part of a bulk round (bulk-columns.ts): the CAs it names with their facts for the round, and the outcome indexes
 * already worked out — the unlisted outcome, and each (CA, reason, anomaly) revoked outcome the first time a row needs it. Which
 * CA's listing wins when several of a group list a serial is asked of `combineVerdicts` once per combination of listing CAs.
 */
import type { CaSnapshot, EntrySlot } from '@jpki-validator/store';
import type { RegisteredCa } from './ca-registry.js';
import type { CaVerdict } from './verdict.js';

/** A CA's facts for one round. */
export interface RoundCa {
  ca: RegisteredCa;
  /** where to look serials up; null when a listing would not count (nothing loaded, store down, OCSP-only): never looked up */
  snapshot: CaSnapshot | null;
  /** the CA's verdict on a serial it does not list */
  absent: CaVerdict;
  /** the CA's verdict on a serial it lists with this reason (null when a listing does not count) */
  listedVerdict(reasonCode: number): CaVerdict | null;
}

export interface PlanOutcomes {
  /** the outcome index of the answer `combineVerdicts` gives for these verdicts */
  of(verdicts: readonly CaVerdict[]): number;
  /** the CA whose verdict `combineVerdicts` answers with */
  caIdOf(verdicts: readonly CaVerdict[]): string | null;
  malformed: number;
  issuerUnknown: number;
}

/** reason codes with a cached outcome (RFC 5280 has 0 … 10) */
const CODES = 16;
/** groups up to this many CAs cache their winner per combination (a bit mask); larger ones ask per row */
const MASK_CAS = 24;

export class BulkIssuerPlan {
  /** the outcome of a serial no CA lists */
  readonly absent: number;
  readonly malformed: number;
  private readonly outcomes: PlanOutcomes;
  private readonly cas: readonly RoundCa[];
  /** the only CA's snapshot (a CA id, or a group of one), else null */
  private readonly soleSnapshot: CaSnapshot | null;
  private readonly single: boolean;
  /** by (position in `cas`, anomaly, reason code): the revoked outcome, -1 until first needed */
  private readonly revoked: Int32Array;
  private readonly winners = new Map<number, number>();
  /** a group row's listings, per position (`listed`: 1 where the CA lists the row's serial) */
  private readonly listed: Uint8Array;
  private readonly codes: Int32Array;
  private readonly revokedAtMs: Float64Array;
  private readonly invalidityMs: Float64Array;

  constructor(outcomes: PlanOutcomes, cas: readonly RoundCa[] | null) {
    this.outcomes = outcomes;
    this.malformed = outcomes.malformed;
    this.cas = cas ?? [];
    this.absent = cas === null ? outcomes.issuerUnknown : outcomes.of(this.cas.map((c) => c.absent));
    this.single = this.cas.length === 1;
    this.soleSnapshot = this.single ? (this.cas[0]?.snapshot ?? null) : null;
    this.revoked = new Int32Array(this.cas.length * 2 * CODES).fill(-1);
    this.listed = new Uint8Array(this.cas.length);
    this.codes = new Int32Array(this.cas.length);
    this.revokedAtMs = new Float64Array(this.cas.length);
    this.invalidityMs = new Float64Array(this.cas.length);
  }

  /** the outcome for a serial in the bitmap range (0 … 2^32 − 1); `slot` gets the row's dates (NaN when not revoked) */
  answer(serial: number, slot: EntrySlot): number {
    if (this.single) {
      const snapshot = this.soleSnapshot;
      if (snapshot?.lookupInto(serial, slot)) return this.revokedOutcome(0, slot.reasonCode, false);
      return this.unlisted(slot);
    }
    let mask = 0;
    let listings = 0;
    for (let k = 0; k < this.cas.length; k++) {
      const snapshot = (this.cas[k] as RoundCa).snapshot;
      if (snapshot === null || !snapshot.lookupInto(serial, slot)) continue;
      this.keep(k, slot);
      mask |= k < MASK_CAS ? 1 << k : 0;
      listings++;
    }
    return this.decide(mask, listings, slot);
  }

  /** the outcome for a serial outside the bitmap range (the snapshot's long-serial map) */
  answerBig(serial: bigint, slot: EntrySlot): number {
    let mask = 0;
    let listings = 0;
    for (let k = 0; k < this.cas.length; k++) {
      const entry = (this.cas[k] as RoundCa).snapshot?.lookup(serial) ?? null;
      if (entry === null) continue;
      this.keep(k, entry);
      mask |= k < MASK_CAS ? 1 << k : 0;
      listings++;
    }
    return this.decide(mask, listings, slot);
  }

  private keep(k: number, entry: EntrySlot): void {
    this.listed[k] = 1;
    this.codes[k] = entry.reasonCode;
    this.revokedAtMs[k] = entry.revokedAtMs;
    this.invalidityMs[k] = entry.invalidityMs;
  }

  private unlisted(slot: EntrySlot): number {
    slot.revokedAtMs = Number.NaN;
    slot.invalidityMs = Number.NaN;
    return this.absent;
  }

  private decide(mask: number, listings: number, slot: EntrySlot): number {
    if (listings === 0) return this.unlisted(slot);
    const winner = this.cas.length <= MASK_CAS ? this.winnerOf(mask) : this.chooseWinner((k) => this.listed[k] === 1);
    this.listed.fill(0);
    slot.reasonCode = this.codes[winner] as number;
    slot.revokedAtMs = this.revokedAtMs[winner] as number;
    slot.invalidityMs = this.invalidityMs[winner] as number;
    return this.revokedOutcome(winner, slot.reasonCode, listings > 1);
  }

  /** which listing CA's answer wins, as `combineVerdicts` chooses (cached per combination) */
  private winnerOf(mask: number): number {
    let winner = this.winners.get(mask);
    if (winner === undefined) {
      winner = this.chooseWinner((k) => (mask & (1 << k)) !== 0);
      this.winners.set(mask, winner);
    }
    return winner;
  }

  private chooseWinner(lists: (k: number) => boolean): number {
    const verdicts: CaVerdict[] = [];
    for (let k = 0; k < this.cas.length; k++) {
      const v = lists(k) ? (this.cas[k] as RoundCa).listedVerdict(0) : null;
      if (v !== null) verdicts.push(v);
    }
    // the revoked verdicts alone decide which CA answers, so the listing CAs' verdicts are all it needs
    const caId = this.outcomes.caIdOf(verdicts);
    const position = this.cas.findIndex((c) => c.ca.id === caId);
    if (position < 0) throw new RangeError(`no CA ${caId ?? '(none)'} among the listing CAs`);
    return position;
  }

  private revokedOutcome(k: number, reasonCode: number, anomaly: boolean): number {
    const key = (k * 2 + (anomaly ? 1 : 0)) * CODES + reasonCode;
    if (reasonCode >= 0 && reasonCode < CODES) {
      const cached = this.revoked[key] as number;
      if (cached >= 0) return cached;
    }
    const verdict = (this.cas[k] as RoundCa).listedVerdict(reasonCode);
    if (verdict === null) throw new RangeError(`CA ${(this.cas[k] as RoundCa).ca.id}: a listing was looked up where none counts`);
    const outcome = this.outcomes.of(anomaly ? [verdict, verdict] : [verdict]);
    if (reasonCode >= 0 && reasonCode < CODES) this.revoked[key] = outcome;
    return outcome;
  }
}
