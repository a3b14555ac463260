/** xorshift32: a fixed, dependency-free sequence, so every run of a benchmark picks the same partitions and serials. */
export function* xorshift32(seed: number): Generator<number, never> {
  let x = seed >>> 0 || 1;
  for (;;) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    yield x;
  }
}
