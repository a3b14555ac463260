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

/** one switch's merge output, as encodeSwitchChanges takes it */
export interface MergedChanges {
  changes: EntryBuffer;
  previousReasons: Int8Array;
}

/**
 * The change list of one or more switches (a group committed together, in order) straight from their merges' columns: the bytes
 * encodeChanges(switchChanges(…)) gives for one switch, without a bigint or a JS array per entry — a cold partition's change
 * list is its every entry. A serial changed by two switches of a group appears twice; visitChanges folds the two.
 */
export function encodeSwitchChanges(fromGeneration: number, toGeneration: number, parts: readonly MergedChanges[]): Buffer {
  let n = 0;
  let longText = '';
  for (const { changes, previousReasons } of parts) {
    n += changes.length;
    let k = changes.length;
    for (const [serial, e] of changes.long) {
      longText += `${serial},${previousReasons[k]},${e.reasonCode === REMOVE_FROM_CRL ? -1 : e.reasonCode}\n`;
      k++;
    }
  }
  const long = Buffer.from(longText, 'utf8');
  // Buffer.alloc is never a slice of the shared pool: offset 0, so the u32 view below is aligned
  const out = Buffer.alloc(HEADER_BYTES + 6 * n + long.length);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(FORMAT, 4);
  out.writeUInt32LE(fromGeneration, 8);
  out.writeUInt32LE(toGeneration, 12);
  out.writeUInt32LE(n, 16);
  out.writeUInt32LE(long.length, 20);
  const serials = new Uint32Array(out.buffer, out.byteOffset + HEADER_BYTES, n);
  const previous = new Int8Array(out.buffer, out.byteOffset + HEADER_BYTES + 4 * n, n);
  const current = new Int8Array(out.buffer, out.byteOffset + HEADER_BYTES + 5 * n, n);
  let at = 0;
  for (const { changes, previousReasons } of parts) {
    const m = changes.length;
    serials.set(changes.serials.subarray(0, m), at);
    previous.set(previousReasons.subarray(0, m), at);
    for (let i = 0; i < m; i++) {
      const r = changes.reasons[i] as number;
      current[at + i] = r === REMOVE_FROM_CRL ? -1 : r;
    }
    at += m;
  }
  long.copy(out, HEADER_BYTES + 6 * n);
  return out;
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
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    // a serial changed by several switches of one group: its reason before the first and after the last (the sort is stable)
    let last = i;
    while (k + 1 < order.length && c.serials[order[k + 1] as number] === c.serials[i]) last = order[++k] as number;
    const was = c.previous[i] as number;
    const now = c.current[last] as number;
    if (was === now) continue;
    view.serial = c.serials[i] as bigint;
    view.previousReason = was;
    view.currentReason = now;
    n++;
    visit(view);
  }
  return n;
}
