/**
 * The serials the bitmaps hold: 0 … 2^32-1 (a JPKI serial is 32 bits). Any other serial (PKITS, foreign CAs, negative ones) is
 * kept beside the bitmaps in a small map. Every package that decides "bitmap or map" reads the limit here.
 */
export const BITMAP_SERIAL_LIMIT = 2 ** 32;
export const BITMAP_SERIAL_LIMIT_BIG = 2n ** 32n;

export function inBitmapRange(serial: bigint): boolean {
  return serial >= 0n && serial < BITMAP_SERIAL_LIMIT_BIG;
}
