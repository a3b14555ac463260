/**
 * The audit journal's on-disk format: the local, append-only, durable file every audit record is written to first (one write per
 * event-loop turn) and from which a background worker ships records into the database. It is also the spool: while the database
 * is down the journal just grows, and the worker resumes from its cursor, in order, when the database returns.
 *
 * A journal is a directory of segments `<n>.seg` (n from 1, zero-padded). A segment is a run of blocks; a block is one write:
 *
 *   u32 payloadLength, u32 crc32(payload), payload
 *
 * (zlib's crc32, hardware-assisted: a fraction of a nanosecond a byte, measured faster than a word-wise FNV in JavaScript.)
 *
 * A payload is a run of entries, little-endian, each starting with a one-byte tag:
 *
 *   STRING   u16 code, u16 byteLength, UTF-8 bytes — defines a string code for the rest of the segment (0 means null)
 *   REQUEST  f64 atMs, u8 idLength, latin1 request id, u16 apiKeyId, u16 purpose, u16 route — items that follow belong to it
 *   ITEM     u16 issuer, caId, result, reason, meaning, method, crlNumber, detail, kind, medium, signature (string codes),
 *            u8 personalShown (0 null, 1 false, 2 true), f64 dataFromMs (CRL thisUpdate or OCSP producedAt; NaN: none),
 *            f64 serialValue (≥ 0: the serial's value; NaN: the text follows), [u8 length, latin1 serial text]
 *   TEMPLATE u16 code, then an ITEM's fields up to its serial (11 codes, personal, dataFromMs) — defines a template for the rest of
 *            the segment: the fields a batch's items with one outcome share
 *   ITEM_T   u16 template, f64 serialValue, [u8 length, latin1 serial text] — an ITEM whose fields are the template's (11 bytes
 *            for a batch item whose serial is a number, against an ITEM's 40: the batch's journal bytes and stores per item)
 *
 * Codes (strings and templates) are per segment (at most MAX_STRINGS / MAX_TEMPLATES of them: a segment is closed before it needs more), so a segment is read on its own; a block repeats the REQUEST of items it continues. A block whose length
 * runs past the end of the file, or whose checksum fails, was being written when the writer stopped: it is not there yet (a live
 * writer) or never will be (a dead one: the segment is cut before it).
 */
export const BLOCK_HEADER_BYTES = 8;
export const TAG_STRING = 1;
export const TAG_REQUEST = 2;
export const TAG_ITEM = 3;
export const TAG_TEMPLATE = 4;
export const TAG_ITEM_T = 5;

/** strings longer than this are cut (an issuer or serial as a caller typed it may be anything) */
export const MAX_STRING_BYTES = 512;
export const MAX_SERIAL_CHARS = 64;
export const MAX_REQUEST_ID_CHARS = 64;

/** the fixed part of an ITEM after its tag: 11 codes, personal, dataFromMs, serialValue */
export const ITEM_FIXED_BYTES = 11 * 2 + 1 + 8 + 8;
/** offsets in an ITEM after its tag */
export const ITEM_PERSONAL = 22;
export const ITEM_DATA_FROM = 23;
export const ITEM_SERIAL_VALUE = 31;
export const ITEM_SERIAL_TEXT = 39;

/** string codes are u16, 0 meaning null */
export const MAX_STRINGS = 65_535;
/** template codes are u16, 0 meaning none (the item is written whole) */
export const MAX_TEMPLATES = 65_535;

export const segmentName = (n: number): string => `${String(n).padStart(8, '0')}.seg`;
export const SEGMENT_FILE = /^(\d{8})\.seg$/;

/** where a reader is: a segment and a byte offset in it (always at a block boundary) */
export interface JournalPosition {
  segment: number;
  offset: number;
}

/** positions packed into one 64-bit value, so the writer can publish one atomically to the worker (segment < 2^31, offset < 2^32) */
export const packPosition = (p: JournalPosition): bigint => (BigInt(p.segment) << 32n) | BigInt(p.offset);
export const unpackPosition = (v: bigint): JournalPosition => ({ segment: Number(v >> 32n), offset: Number(v & 0xffffffffn) });

export const comparePositions = (a: JournalPosition, b: JournalPosition): number => a.segment - b.segment || a.offset - b.offset;
