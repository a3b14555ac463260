/**
 * A PartitionRun as bytes — the value of a run's Redis string and the body of a run file. 9 bytes an entry (serial, date,
 * reason) plus 8 per entry that has an invalidity date; little-endian, as the host (bits.ts checks):
 *
 *   "JPRN" | u32 format (1) | u32 count | u32 invalCount | u32 removedCount | u32 longBytes | u32 removedLongBytes | u32 0
 *   serials u32[count] (ascending) | revokedSec u32[count] | invalIndex u32[invalCount] | invalSec u32[invalCount]
 *   | removed u32[removedCount] | reasons u8[count]
 *   | long: "serial,reason,revokedSec,invalSec\n"… (UTF-8, signed decimal serials) | removedLong: "serial\n"…
 */
import { StoreError } from '../errors.js';
import { alignedCopy } from './bits.js';
import { NO_INVALIDITY } from './chunk.js';
import type { LongEntry } from './entry-buffer.js';
import { PartitionRun } from './partition-run.js';

const MAGIC = 0x4e52504a; // "JPRN" read as u32 LE
const FORMAT = 1;
const HEADER_BYTES = 32;

function bytesOf(a: Uint32Array | Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** the encoded run in pieces (views of the run's arrays where possible; concatenate or write them in order) */
export function encodeRun(run: PartitionRun): Buffer[] {
  const n = run.serials.length;
  const invalIndex: number[] = [];
  const invalValue: number[] = [];
  if (run.invalSec !== null) {
    for (let i = 0; i < n; i++) {
      const v = run.invalSec[i] as number;
      if (v !== NO_INVALIDITY) {
        invalIndex.push(i);
        invalValue.push(v);
      }
    }
  }
  let longText = '';
  for (const [serial, e] of run.long) longText += `${serial},${e.reasonCode},${e.revokedSec},${e.invalSec}\n`;
  let removedLongText = '';
  for (const serial of run.removedLong) removedLongText += `${serial}\n`;
  const long = Buffer.from(longText, 'utf8');
  const removedLong = Buffer.from(removedLongText, 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(FORMAT, 4);
  header.writeUInt32LE(n, 8);
  header.writeUInt32LE(invalIndex.length, 12);
  header.writeUInt32LE(run.removed.length, 16);
  header.writeUInt32LE(long.length, 20);
  header.writeUInt32LE(removedLong.length, 24);
  return [
    header,
    bytesOf(run.serials),
    bytesOf(run.revokedSec),
    bytesOf(Uint32Array.from(invalIndex)),
    bytesOf(Uint32Array.from(invalValue)),
    bytesOf(run.removed),
    bytesOf(run.reasons),
    long,
    removedLong,
  ];
}

/** the encoded size of `run` without encoding it */
export function encodedRunLength(run: PartitionRun): number {
  let inval = 0;
  if (run.invalSec !== null) for (const v of run.invalSec) if (v !== NO_INVALIDITY) inval++;
  let text = 0;
  for (const [serial, e] of run.long) text += Buffer.byteLength(`${serial},${e.reasonCode},${e.revokedSec},${e.invalSec}\n`);
  for (const serial of run.removedLong) text += Buffer.byteLength(`${serial}\n`);
  return HEADER_BYTES + 9 * run.serials.length + 8 * inval + 4 * run.removed.length + text;
}

export function encodedRunBytes(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** the run in `bytes`; SNAPSHOT_CORRUPT naming `where` and the byte offset when they are not one */
export function decodeRun(bytes: Uint8Array, where: string): PartitionRun {
  const corrupt = (why: string, offset: number): StoreError => new StoreError('SNAPSHOT_CORRUPT', `${where}: ${why} at byte ${offset}`);
  if (bytes.length < HEADER_BYTES) throw corrupt(`a run needs a ${HEADER_BYTES}-byte header, got ${bytes.length} bytes`, 0);
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (head.readUInt32LE(0) !== MAGIC) throw corrupt('not a partition run (bad magic)', 0);
  if (head.readUInt32LE(4) !== FORMAT) throw corrupt(`unknown run format ${head.readUInt32LE(4)}`, 4);
  const n = head.readUInt32LE(8);
  const invalCount = head.readUInt32LE(12);
  const removedCount = head.readUInt32LE(16);
  const longBytes = head.readUInt32LE(20);
  const removedLongBytes = head.readUInt32LE(24);
  const expected = HEADER_BYTES + 9 * n + 8 * invalCount + 4 * removedCount + longBytes + removedLongBytes;
  if (bytes.length !== expected) throw corrupt(`run of ${n} entries should be ${expected} bytes, is ${bytes.length}`, 8);
  // typed views need 4-byte alignment: copy once when the buffer is not aligned
  const src = bytes.byteOffset % 4 === 0 ? bytes : alignedCopy(bytes, bytes.length);
  let pos = HEADER_BYTES;
  const u32 = (count: number): Uint32Array => {
    const out = new Uint32Array(src.buffer, src.byteOffset + pos, count);
    pos += 4 * count;
    return out;
  };
  const serials = u32(n);
  const revokedSec = u32(n);
  const invalIndex = u32(invalCount);
  const invalValue = u32(invalCount);
  const removed = u32(removedCount);
  const reasons = src.subarray(pos, pos + n);
  pos += n;
  for (let i = 1; i < n; i++) {
    if ((serials[i] as number) <= (serials[i - 1] as number))
      throw corrupt(`serial ${i} is not above serial ${i - 1} (a run is sorted)`, HEADER_BYTES + 4 * i);
  }
  let invalSec: Uint32Array | null = null;
  if (invalCount > 0) {
    invalSec = new Uint32Array(n);
    for (let k = 0; k < invalCount; k++) {
      const i = invalIndex[k] as number;
      if (i >= n) throw corrupt(`invalidity index ${i} is past the ${n} entries`, HEADER_BYTES + 8 * n + 4 * k);
      invalSec[i] = invalValue[k] as number;
    }
  }
  const text = (length: number): string => {
    const out = Buffer.from(src.buffer, src.byteOffset + pos, length).toString('utf8');
    pos += length;
    return out;
  };
  const long = new Map<bigint, LongEntry>();
  for (const line of text(longBytes).split('\n')) {
    if (line === '') continue;
    const [serial, reason, revoked, inval] = line.split(',');
    if (serial === undefined || inval === undefined) throw corrupt(`long entry "${line}" is not serial,reason,revokedSec,invalSec`, pos);
    long.set(BigInt(serial), { reasonCode: Number(reason), revokedSec: Number(revoked), invalSec: Number(inval) });
  }
  const removedLong = text(removedLongBytes)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => BigInt(l));
  return new PartitionRun({ serials, reasons, revokedSec, invalSec, long }, removed, removedLong);
}
