import { reasonCode, type CrlReason } from '@jpki-validator/x509';
import { SimUsageError } from './errors.js';
import { SerialStream, mix32, saltOf, thresholdOf } from './prng.js';

export const DAY_MS = 86_400_000;
const DAY_SECONDS = 86_400;

/** Reasons J-LIS uses, with the proportions seen in its published CRLs (see README). */
export const DEFAULT_REASON_WEIGHTS: Readonly<Partial<Record<CrlReason, number>>> = {
  superseded: 60,
  affiliationChanged: 15,
  cessationOfOperation: 15,
  certificateHold: 10,
};

/** How the seeded population of one CA is revoked. Stored in the state file; every field has a default. */
export interface RevocationModelOptions {
  /** 32-bit seed shared by all CAs of a simulator. */
  seed: number;
  /** Fraction of the population already revoked at generation 0. Default 0.1. */
  revokedRate?: number;
  /** Fraction of the population newly revoked by each later generation ("advance one day"). Default 0.0005. */
  dailyRevokedRate?: number;
  /** Relative weights of reasons. Default DEFAULT_REASON_WEIGHTS. */
  reasonWeights?: Partial<Record<CrlReason, number>>;
  /** Fraction of entries that carry an invalidityDate. Default 0.02. */
  invalidityDateRate?: number;
  /** Generation-0 revocations are dated within this many days before the generation-0 thisUpdate. Default 1825 (5 years). */
  backdateDays?: number;
}

/** One serial's seeded revocation, filled in place by `RevocationModel.decide` so the hot loop allocates nothing. */
export interface SeededRevocation {
  /** Generation whose CRL first lists the serial; Infinity when never. */
  day: number;
  reasonCode: number;
  revokedAtSeconds: number;
  /** −1 when absent. */
  invalidityAtSeconds: number;
}

export function emptyRevocation(): SeededRevocation {
  return { day: Number.POSITIVE_INFINITY, reasonCode: 0, revokedAtSeconds: 0, invalidityAtSeconds: -1 };
}

const TWO_32 = 2 ** 32;
/** Salt that makes the partition draw independent of the revocation draws. */
const PARTITION_SALT = 0x5a17_0c0d;

/**
 * The seeded revocation population of one CA. A serial's fate is a pure function of (seed, CA id, serial): it is revoked at
 * generation `day` (0 for the initial population, then a `dailyRevokedRate` slice per generation), so the set only grows as
 * generations advance, exactly as J-LIS never un-revokes.
 */
export class RevocationModel {
  private readonly key: number;
  private readonly partitionKey: number;
  private readonly initialThreshold: number;
  private readonly dailyThreshold: number;
  private readonly reasonCumulative: Uint32Array;
  private readonly reasonCodes: Uint8Array;
  private readonly invalidityThreshold: number;
  private readonly backdateSeconds: number;
  private readonly epochSeconds: number;
  private readonly stream = new SerialStream();

  constructor(caId: string, epochMs: number, options: RevocationModelOptions) {
    const revokedRate = options.revokedRate ?? 0.1;
    const dailyRevokedRate = options.dailyRevokedRate ?? 0.0005;
    for (const [name, v] of [
      ['revokedRate', revokedRate],
      ['dailyRevokedRate', dailyRevokedRate],
      ['invalidityDateRate', options.invalidityDateRate ?? 0],
    ] as const) {
      if (!(v >= 0 && v <= 1)) throw new SimUsageError('SIM_BAD_OPTION', `${name} must be within [0, 1], got ${v}`);
    }
    const salt = saltOf(caId);
    this.key = mix32((options.seed >>> 0) ^ salt);
    this.partitionKey = mix32(this.key ^ PARTITION_SALT);
    this.initialThreshold = thresholdOf(revokedRate);
    this.dailyThreshold = thresholdOf(dailyRevokedRate);
    this.invalidityThreshold = thresholdOf(options.invalidityDateRate ?? 0.02);
    this.backdateSeconds = Math.round((options.backdateDays ?? 1825) * DAY_SECONDS);
    this.epochSeconds = Math.floor(epochMs / 1000);

    const weights = Object.entries(options.reasonWeights ?? DEFAULT_REASON_WEIGHTS).filter(([, w]) => (w ?? 0) > 0);
    const total = weights.reduce((s, [, w]) => s + (w ?? 0), 0);
    if (weights.length === 0 || !Number.isFinite(total))
      throw new SimUsageError('SIM_BAD_OPTION', 'reasonWeights needs at least one positive weight');
    this.reasonCumulative = new Uint32Array(weights.length);
    this.reasonCodes = new Uint8Array(weights.length);
    let acc = 0;
    weights.forEach(([name, w], i) => {
      const code = reasonCode(name as CrlReason);
      if (code < 0 || name === 'removeFromCRL')
        throw new SimUsageError('SIM_BAD_OPTION', `reasonWeights: ${name} is not a revocation reason`);
      acc += w ?? 0;
      this.reasonCodes[i] = code;
      // The last bucket takes everything up to 2^32 − 1 so rounding can never leave a draw without a reason.
      this.reasonCumulative[i] = i === weights.length - 1 ? 0xffffffff : Math.floor((acc / total) * TWO_32);
    });
  }

  /** thisUpdate (seconds) of a generation: one day apart from the epoch. */
  generationSeconds(generation: number): number {
    return this.epochSeconds + generation * DAY_SECONDS;
  }

  /** Fills `out` with the serial's seeded revocation. `out.day` is Infinity when the serial is never revoked. */
  decide(serial: number, out: SeededRevocation): SeededRevocation {
    const s = this.stream.reset(this.key, serial);
    const u = s.next();
    if (u < this.initialThreshold) out.day = 0;
    else if (this.dailyThreshold > 0) out.day = Math.floor((u - this.initialThreshold) / this.dailyThreshold) + 1;
    else out.day = Number.POSITIVE_INFINITY;
    if (out.day === Number.POSITIVE_INFINITY) return out;

    const r = s.next();
    let i = 0;
    while (i < this.reasonCumulative.length - 1 && r >= (this.reasonCumulative[i] as number)) i++;
    out.reasonCode = this.reasonCodes[i] as number;

    const t = s.next() / TWO_32;
    out.revokedAtSeconds =
      out.day === 0
        ? this.epochSeconds - 1 - Math.floor(t * this.backdateSeconds)
        : this.generationSeconds(out.day - 1) + Math.floor(t * DAY_SECONDS);
    // Invalidity (when the card was lost or the holder moved) precedes the revocation by up to a week.
    out.invalidityAtSeconds =
      s.next() < this.invalidityThreshold ? out.revokedAtSeconds - Math.floor((s.next() / TWO_32) * 7 * DAY_SECONDS) : -1;
    return out;
  }

  /** A uniform 32-bit hash of the serial, independent of its revocation draws: what partition maps are built on. */
  partitionHash(serial: number): number {
    return mix32(this.partitionKey ^ (serial >>> 0));
  }

  /** The partition (0 … count−1) of a serial under equal shares (the uniform layout). */
  partitionOf(serial: number, count: number): number {
    return this.partitionHash(serial) % count;
  }
}
