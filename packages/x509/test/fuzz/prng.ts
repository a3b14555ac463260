/**
 * The fuzzer's randomness: splitmix32, a small generator that is plenty for choosing mutations. Every case gets its own generator,
 * derived from (run seed, case index), so any case can be replayed alone (`--seed S --from I --cases 1`) whatever ran before it.
 *
 * This directory is loaded by plain Node as well as by vitest (the long run and the worker threads run without a bundler): its
 * files import each other with `.ts` specifiers, use only erasable TypeScript, and take the engine as `@jpki-validator/x509`.
 */

function mix(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** a uniform 32-bit unsigned integer */
  next(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    return mix(this.state);
  }

  /** 0 ≤ n < max */
  int(max: number): number {
    return max <= 1 ? 0 : Math.floor((this.next() / 2 ** 32) * max);
  }

  /** lo ≤ n ≤ hi */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
}

/** the generator of case `index` of the run seeded `seed` */
export function caseRng(seed: number, index: number): Rng {
  return new Rng(mix(mix(seed >>> 0) ^ (index >>> 0)) ^ Math.floor(index / 2 ** 32));
}
