/**
 * The latest switch's changes as bytes (diffGenerations reads them back: a Redis string, a file):
 *
 *   "JPCH" | u32 format (1) | u32 fromGeneration | u32 toGeneration | u32 count | u32 longBytes
 *   serials u32[count] | previous i8[count] | current i8[count] | long: "serial,previous,current\n"… (UTF-8)
 */
import { inBitmapRange } from './bitmap-range.js';
import { StoreError } from '../errors.js';
import { alignedCopy } from './bits.js';
import type { SwitchChanges } from './ca-state.js';
import type { EntryBuffer } from './entry-buffer.js';
import { REMOVE_FROM_CRL } from '@jpki-validator/x509';

const MAGIC = 0x4843504a; // "JPCH" read as u32 LE
const FORMAT = 1;
const HEADER_BYTES = 24;

/** a switch's changes from the merge's output: per change entry the previous reason (-1: new) and the current one (-1: removed) */
export function switchChanges(
  fromGeneration: number,
  toGeneration: number,
  changes: EntryBuffer,
  previousReasons: Int8Array,
): SwitchChanges {
  const serials: bigint[] = [];
  const current: number[] = [];
  for (let i = 0; i < changes.length; i++) {
    serials.push(BigInt(changes.serials[i] as number));
    const r = changes.reasons[i] as number;
    current.push(r === REMOVE_FROM_CRL ? -1 : r);
  }
  for (const [serial, e] of changes.long) {
    serials.push(serial);
    current.push(e.reasonCode === REMOVE_FROM_CRL ? -1 : e.reasonCode);
  }
  return { fromGeneration, toGeneration, serials, previous: previousReasons, current: Int8Array.from(current) };
}

export function encodeChanges(c: SwitchChanges): Buffer {
  const inRange: number[] = [];
  let longText = '';
  for (let i = 0; i < c.serials.length; i++) {
    const s = c.serials[i] as bigint;
    if (inBitmapRange(s)) inRange.push(i);
    else longText += `${s},${c.previous[i]},${c.current[i]}\n`;
  }
  const long = Buffer.from(longText, 'utf8');
  const n = inRange.length;
  const out = Buffer.alloc(HEADER_BYTES + 6 * n + long.length);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(FORMAT, 4);
  out.writeUInt32LE(c.fromGeneration, 8);
  out.writeUInt32LE(c.toGeneration, 12);
  out.writeUInt32LE(n, 16);
  out.writeUInt32LE(long.length, 20);
  inRange.forEach((i, k) => {
    out.writeUInt32LE(Number(c.serials[i]), HEADER_BYTES + 4 * k);
    out.writeInt8(c.previous[i] as number, HEADER_BYTES + 4 * n + k);
    out.writeInt8(c.current[i] as number, HEADER_BYTES + 5 * n + k);
  });
  long.copy(out, HEADER_BYTES + 6 * n);
  return out;
}

export function decodeChanges(bytes: Uint8Array, where: string): SwitchChanges {
  const corrupt = (why: string, offset: number): StoreError => new StoreError('SNAPSHOT_CORRUPT', `${where}: ${why} at byte ${offset}`);
  const buf = Buffer.from(alignedCopy(bytes, bytes.length).buffer, 0, bytes.length);
  if (buf.length < HEADER_BYTES || buf.readUInt32LE(0) !== MAGIC) throw corrupt('not a change list (bad magic)', 0);
  if (buf.readUInt32LE(4) !== FORMAT) throw corrupt(`unknown change list format ${buf.readUInt32LE(4)}`, 4);
  const n = buf.readUInt32LE(16);
  const longBytes = buf.readUInt32LE(20);
  if (buf.length !== HEADER_BYTES + 6 * n + longBytes) throw corrupt(`a change list of ${n} serials has ${buf.length} bytes`, 16);
  const serials: bigint[] = [];
  const previous: number[] = [];
  const current: number[] = [];
  for (let k = 0; k < n; k++) {
    serials.push(BigInt(buf.readUInt32LE(HEADER_BYTES + 4 * k)));
    previous.push(buf.readInt8(HEADER_BYTES + 4 * n + k));
    current.push(buf.readInt8(HEADER_BYTES + 5 * n + k));
  }
  for (const line of buf.toString('utf8', HEADER_BYTES + 6 * n).split('\n')) {
    if (line === '') continue;
    const [s, p, c] = line.split(',');
    serials.push(BigInt(s ?? '0'));
    previous.push(Number(p));
    current.push(Number(c));
  }
  return {
    fromGeneration: buf.readUInt32LE(8),
    toGeneration: buf.readUInt32LE(12),
    serials,
    previous: Int8Array.from(previous),
    current: Int8Array.from(current),
  };
}

/** visits the changes whose listing or reason differs (a re-dated entry with the same reason is not one); returns how many */
export function visitChanges(
  c: SwitchChanges,
  visit: (change: { serial: bigint; previousReason: number; currentReason: number }) => void,
): number {
  const view = { serial: 0n, previousReason: -1, currentReason: -1 };
  const order = [...c.serials.keys()].sort((a, b) => {
    const x = c.serials[a] as bigint;
    const y = c.serials[b] as bigint;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  let n = 0;
  for (const i of order) {
    const was = c.previous[i] as number;
    const now = c.current[i] as number;
    if (was === now) continue;
    view.serial = c.serials[i] as bigint;
    view.previousReason = was;
    view.currentReason = now;
    n++;
    visit(view);
  }
  return n;
}
