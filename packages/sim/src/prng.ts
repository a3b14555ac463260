/**
 * Seeded, counter-based randomness. Each serial gets its own small splitmix32 stream keyed by (seed, CA salt, serial), so the
 * revocation state of any serial is computed in O(1) without walking the others: the CRL writer walks them in order, the OCSP
 * responder jumps straight to one. No crypto randomness: same seed, same population, same bytes.
 */

/** splitmix32 finaliser: a bijective avalanche of a 32-bit word. */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A 32-bit salt from a string (FNV-1a, then mixed), used to give each CA its own population from one seed. */
export function saltOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h >>> 0);
}

/**
 * A splitmix32 stream. Reused across serials by `reset` so the hot loop allocates nothing.
 */
export class SerialStream {
  private state = 0;

  /** Positions the stream at the start of `serial`'s draws for a given key (seed mixed with the CA salt). */
  reset(key: number, serial: number): this {
    this.state = mix32(key ^ mix32(serial >>> 0));
    return this;
  }

  /** Next uniform 32-bit unsigned draw. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
}

/** A probability in [0, 1] as an unsigned 32-bit threshold: `draw < threshold` happens with that probability. */
export function thresholdOf(probability: number): number {
  if (probability <= 0) return 0;
  if (probability >= 1) return 2 ** 32;
  return Math.floor(probability * 2 ** 32);
}
