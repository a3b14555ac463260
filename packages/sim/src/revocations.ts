import { REMOVE_FROM_CRL, reasonCode } from '@jpki-validator/x509';
import type { PartitionMap } from './partition-map.js';
import { emptyRevocation, type RevocationModel, type SeededRevocation } from './population.js';
import type { ExplicitRevocation, SimCaState } from './state.js';

/** One CRL entry, reused by the cursor: the hot loop fills it in place. */
export interface EntryFields {
  serial: number;
  revokedAtSeconds: number;
  /** RFC 5280 CRLReason code; 8 (removeFromCRL) only in deltas. */
  reasonCode: number;
  /** −1 when absent. */
  invalidityAtSeconds: number;
}

/** What a CRL lists: the full state at `generation`, or what changed since `baseGeneration` (a delta). */
export interface EntryScope {
  generation: number;
  baseGeneration?: number;
  /** Municipality partition index and the CA's partition map, or absent for the whole CA. */
  partition?: { index: number; map: PartitionMap };
}

/** Explicit records by serial, in recording order, with the serials sorted for the merge walk. */
export interface ExplicitIndex {
  serials: Float64Array;
  bySerial: Map<number, ExplicitRevocation[]>;
}

export function indexExplicit(records: readonly ExplicitRevocation[]): ExplicitIndex {
  const bySerial = new Map<number, ExplicitRevocation[]>();
  for (const r of records) {
    const list = bySerial.get(r.serial);
    if (list) list.push(r);
    else bySerial.set(r.serial, [r]);
  }
  return { serials: Float64Array.from([...bySerial.keys()].sort((a, b) => a - b)), bySerial };
}

const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** The last explicit record in force at `generation`, if any. */
function explicitAt(records: readonly ExplicitRevocation[] | undefined, generation: number): ExplicitRevocation | undefined {
  if (!records) return undefined;
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r && r.generation <= generation) return r;
  }
  return undefined;
}

/** The listing state of one serial at a generation: explicit records first, then the seeded population. */
export class SerialLookup {
  private readonly seeded: SeededRevocation = emptyRevocation();
  /** The seeded revocation day of the last serial `listedAt` found listed from the population; −1 when it came from a record. */
  seededDay = -1;

  constructor(
    private readonly ca: SimCaState,
    private readonly model: RevocationModel,
    private readonly explicit: ExplicitIndex,
  ) {}

  inPopulation(serial: number): boolean {
    return serial >= this.ca.serialBase && serial < this.ca.serialBase + this.ca.population;
  }

  /**
   * Fills `out` when `serial` is listed at `generation` and returns where the listing comes from: the generation of the
   * explicit record, or −1 for the seeded population. Undefined when not listed.
   */
  listedAt(serial: number, generation: number, out: EntryFields): number | undefined {
    const record = explicitAt(this.explicit.bySerial.get(serial), generation);
    if (record) {
      if (record.reason === 'removeFromCRL') return undefined;
      out.serial = serial;
      out.reasonCode = reasonCode(record.reason);
      out.revokedAtSeconds = seconds(record.revokedAt);
      out.invalidityAtSeconds = record.invalidityDate === undefined ? -1 : seconds(record.invalidityDate);
      this.seededDay = -1;
      return record.generation;
    }
    if (!this.inPopulation(serial)) return undefined;
    const s = this.model.decide(serial, this.seeded);
    if (s.day > generation) return undefined;
    out.serial = serial;
    out.reasonCode = s.reasonCode;
    out.revokedAtSeconds = s.revokedAtSeconds;
    out.invalidityAtSeconds = s.invalidityAtSeconds;
    this.seededDay = s.day;
    return -1;
  }

  /** The explicit lift (removeFromCRL) of a serial in force at `generation`, if that is its latest record. */
  liftAt(serial: number, generation: number): ExplicitRevocation | undefined {
    const record = explicitAt(this.explicit.bySerial.get(serial), generation);
    return record?.reason === 'removeFromCRL' ? record : undefined;
  }
}

/**
 * Walks a CA's CRL entries in ascending serial order without materialising them: the seeded population range merged with
 * the explicit records. `next` fills the shared entry and returns false at the end. Cursor-based so the writer can stop at a
 * full buffer, await the sink, and carry on.
 */
export class EntryCursor {
  private serial: number;
  private explicitPos = 0;
  private readonly end: number;
  private readonly scratch: EntryFields = { serial: 0, revokedAtSeconds: 0, reasonCode: 0, invalidityAtSeconds: -1 };

  constructor(
    ca: SimCaState,
    model: RevocationModel,
    private readonly explicit: ExplicitIndex,
    private readonly scope: EntryScope,
    private readonly lookup = new SerialLookup(ca, model, explicit),
  ) {
    this.serial = ca.serialBase;
    this.end = ca.serialBase + ca.population;
  }

  /** Next candidate serial from the merge of the population range and the explicit serials; −1 at the end. */
  private nextCandidate(): number {
    const explicitSerial =
      this.explicitPos < this.explicit.serials.length ? (this.explicit.serials[this.explicitPos] as number) : Number.POSITIVE_INFINITY;
    const rangeSerial = this.serial < this.end ? this.serial : Number.POSITIVE_INFINITY;
    if (explicitSerial === Number.POSITIVE_INFINITY && rangeSerial === Number.POSITIVE_INFINITY) return -1;
    if (explicitSerial <= rangeSerial) {
      this.explicitPos++;
      if (explicitSerial === rangeSerial) this.serial++;
      return explicitSerial;
    }
    this.serial++;
    return rangeSerial;
  }

  /** Seeded revocation day of the entry `next` returned last on a full (non-delta) walk: −1 when it comes from an explicit record. */
  get seededDay(): number {
    return this.lookup.seededDay;
  }

  next(out: EntryFields): boolean {
    const { generation, baseGeneration, partition } = this.scope;
    for (;;) {
      const serial = this.nextCandidate();
      if (serial < 0) return false;
      if (partition && partition.map.indexOf(serial) !== partition.index) continue;
      const recordGeneration = this.lookup.listedAt(serial, generation, out);
      if (baseGeneration === undefined) {
        if (recordGeneration !== undefined) return true;
        continue;
      }
      // Delta: listed now and (not listed at the base, or re-listed by a record made after the base).
      if (recordGeneration !== undefined) {
        if (recordGeneration > baseGeneration || this.lookup.listedAt(serial, baseGeneration, this.scratch) === undefined) return true;
        continue;
      }
      const lift = this.lookup.liftAt(serial, generation);
      if (lift && lift.generation > baseGeneration && this.lookup.listedAt(serial, baseGeneration, this.scratch) !== undefined) {
        out.serial = serial;
        out.reasonCode = REMOVE_FROM_CRL;
        out.revokedAtSeconds = seconds(lift.revokedAt);
        out.invalidityAtSeconds = -1;
        return true;
      }
    }
  }
}
