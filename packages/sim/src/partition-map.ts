import { mix32 } from './prng.js';
import type { RevocationModel } from './population.js';

/** Which partition a serial belongs to: a pure function of the serial, O(1), the same for the CRL writer, `issue` and OCSP. */
export interface PartitionMap {
  readonly count: number;
  indexOf(serial: number): number;
}

const TWO_32 = 2 ** 32;
/** Decorrelates the alias coin from the column, both drawn from one serial hash. */
const COIN_SALT = 0x2545_f491;

/** Equal shares: the serial's hash modulo the count (the layout the simulator always had; its bytes are kept). */
export function uniformPartitionMap(model: RevocationModel, count: number): PartitionMap {
  return { count, indexOf: (serial) => model.partitionOf(serial, count) };
}

/**
 * Shares in proportion to `weights`, by Walker's alias method (Vose's construction): a column drawn uniformly from the serial's
 * hash, then a biased coin between the column and its alias. Two array reads per serial, whatever the partition count, so
 * OCSP and `issue` stay O(1) and the CRL writer routes 30 M entries without a search.
 */
export class WeightedPartitionMap implements PartitionMap {
  readonly count: number;
  /** P(column keeps its own index) × 2^32 */
  private readonly keep: Float64Array;
  private readonly alias: Uint32Array;

  constructor(
    private readonly model: RevocationModel,
    weights: Float64Array,
  ) {
    const n = weights.length;
    this.count = n;
    this.keep = new Float64Array(n);
    this.alias = new Uint32Array(n);
    const total = weights.reduce((a, b) => a + b, 0);
    if (n === 0 || !(total > 0)) throw new RangeError('partition weights must be positive');
    const scaled = Float64Array.from(weights, (w) => (w * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) ((scaled[i] as number) < 1 ? small : large).push(i);
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number;
      const l = large.pop() as number;
      this.keep[s] = (scaled[s] as number) * TWO_32;
      this.alias[s] = l;
      scaled[l] = (scaled[l] as number) + (scaled[s] as number) - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    // What is left holds (up to rounding) exactly one column's worth: it always keeps its own index.
    for (const i of [...small, ...large]) {
      this.keep[i] = TWO_32;
      this.alias[i] = i;
    }
  }

  indexOf(serial: number): number {
    const h = this.model.partitionHash(serial);
    const column = Math.floor((h * this.count) / TWO_32);
    return mix32(h ^ COIN_SALT) < (this.keep[column] as number) ? column : (this.alias[column] as number);
  }

  /** Expected share of each partition (the weights normalised), for tests and the README's figures. */
  expectedShares(): Float64Array {
    const shares = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const keep = (this.keep[i] as number) / TWO_32;
      shares[i] = (shares[i] as number) + keep / this.count;
      const a = this.alias[i] as number;
      shares[a] = (shares[a] as number) + (1 - keep) / this.count;
    }
    return shares;
  }
}
