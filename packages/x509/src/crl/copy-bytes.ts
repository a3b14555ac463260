/**
 * A copy of `buf[start, end)` as a plain Uint8Array. Never `buf.slice()`: on a Node Buffer (what streams and readFile give) slice
 * is a view that would pin the chunk and change when a stream reuses its pool (and typed-array slice keeps the Buffer species).
 */
export function copyBytes(buf: Uint8Array, start = 0, end = buf.length): Uint8Array {
  return new Uint8Array(buf.subarray(start, end));
}
