/**
 * The insurer-scale shape the watch benchmark uses, in one place: the generator of the watch-list CSV and the store subject
 * draw serials from the same permutation of a JPKI-like 27-bit range, so which watched serials a generation lists is known
 * exactly (never by sampling).
 *
 *   watch-list row i (0 ≤ i < 25 M)        serial SERIAL_BASE + perm(i)
 *   a reissued certificate of row i       serial SERIAL_BASE + perm(REISSUE_OFFSET + i)
 *   unwatched listed serial j             serial SERIAL_BASE + perm(LISTED_OFFSET + j)
 *
 * perm is multiplication by an odd constant modulo 2^27: a bijection, so the three families never collide while their
 * indexes stay below 2^27 (25 M + 25 M + 60 M < 134 M).
 */
export const SERIAL_BASE = 0x0700_0000;
export const SERIAL_SPAN = 2 ** 27;
export const LISTED_OFFSET = 25_000_000;
export const REISSUE_OFFSET = 85_000_000;
const MULT = 40_503;

export function perm(i: number): number {
  return Number((BigInt(i) * BigInt(MULT)) % BigInt(SERIAL_SPAN));
}

export const watchedSerial = (i: number): number => SERIAL_BASE + perm(i);
export const reissuedSerial = (i: number): number => SERIAL_BASE + perm(REISSUE_OFFSET + i);
export const unwatchedSerial = (j: number): number => SERIAL_BASE + perm(LISTED_OFFSET + j);

/** re-import: every 100th row (offset 7) has a reissued certificate — 1 % of the rows changed */
export const isChanged = (i: number): boolean => i % 100 === 7;
/** generation 1 lists every 100th watched certificate (already revoked when the list is imported: the first pass's backlog) */
export const listedAtImport = (i: number): boolean => i % 100 === 0;
/** the national refresh to generation g (2, 3, …) lists every 1000th watched certificate more (offset 500 + g): a pass timed */
export const listedByRefresh = (i: number, generation: number): boolean => i % 1000 === 500 + generation;
/** every 1000th certificate (offset 3) has expired */
export const isExpired = (i: number): boolean => i % 1000 === 3;

export const CA_ID = 'jpki-sign-2023';
export const GROUP = 'jpki-sign';
/** reasons of the listed entries, in turn: mostly superseded, as on a national CRL */
export const REASONS = [4, 4, 4, 4, 3, 6, 4, 5, 4, 1] as const;
