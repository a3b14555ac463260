/**
 * Bit helpers shared by the chunk code. Bitmaps use Redis's bit order (bit 0 is the most significant bit of byte 0) so the bytes
 * we hold in memory are exactly the bytes of the Redis strings: GETBIT/BITOP/BITCOUNT on the server agree with the code here.
 */
import { endianness } from 'node:os';

// Rank over 32-bit words reads bytes through a Uint32Array view: the "first k bytes" masks below assume little-endian words.
if (endianness() !== 'LE') throw new Error('@jpki-validator/store requires a little-endian host');

/** popcount of an unsigned 32-bit value (SWAR, no loop) */
export function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** mask of the first k bytes (in memory order) of a little-endian 32-bit word, k = 0…3 */
export const FIRST_BYTES_MASK: readonly number[] = [0, 0xff, 0xffff, 0xffffff];

/** bit mask of serial offset `p` within its byte */
export function bitMask(p: number): number {
  return 0x80 >>> (p & 7);
}

/** count of set bits in the whole bitmap */
export function popcountBytes(bytes: Uint8Array): number {
  const words = wordsOf(bytes);
  let n = 0;
  for (let i = 0; i < words.length; i++) n += popcount32(words[i] as number);
  return n;
}

/** a Uint32Array view of a bitmap whose length is a multiple of 4 and whose offset is 4-aligned */
export function wordsOf(bytes: Uint8Array): Uint32Array {
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
}

/** an aligned zero-padded copy of `src` of `length` bytes (Redis and files hand us unaligned, possibly trimmed strings) */
export function alignedCopy(src: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(src.byteLength > length ? src.subarray(0, length) : src);
  return out;
}

/** length without trailing zero bytes: Redis GETBIT past the end reads 0, so trailing zeros need not be stored */
export function trimmedLength(bytes: Uint8Array): number {
  let end = bytes.byteLength;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return end;
}

/**
 * Calls visit(offset, rank) for every set bit in ascending offset order. Skips zero words: a sparse chunk costs its word count,
 * not its bit count.
 */
export function forEachSetBit(bytes: Uint8Array, visit: (offset: number, rank: number) => void): number {
  const words = wordsOf(bytes);
  let rank = 0;
  for (let w = 0; w < words.length; w++) {
    if (words[w] === 0) continue;
    for (let b = w << 2, end = b + 4; b < end; b++) {
      const byte = bytes[b] as number;
      if (byte === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if (byte & (0x80 >>> bit)) visit((b << 3) | bit, rank++);
      }
    }
  }
  return rank;
}

/**
 * For each byte value, the positions of its set bits in Redis bit order (MSB first): lets hot loops walk set bits without a
 * callback or a bit test per position (a 5-million-entry load visits 5 million bits twice).
 */
export const SET_BIT_POSITIONS: readonly Uint8Array[] = Array.from({ length: 256 }, (_, byte) =>
  Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7].filter((bit) => byte & (0x80 >>> bit))),
);
