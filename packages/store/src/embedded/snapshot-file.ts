/**
 * The embedded store's file per CA: the current and the previous generation (the previous one is kept for diffs), chunks shared by
 * both written once. Layout:
 *
 *   "JPKISNAP" | u32 format (1) | u32 header length | header JSON | blob payloads, in header order
 *   blob payload = listed bitmap (trailing zero bytes trimmed) | reasons (1 byte per entry) | revokedSec (u32 LE per entry)
 *                  | invalSec (u32 LE per entry, only when hasInval)
 *
 * Written atomically (temp file, fsync, rename, fsync of the directory): a reader sees the old file or the new one, never a mix.
 */
import { alignedCopy, trimmedLength } from '../core/bits.js';
import { Chunk } from '../core/chunk.js';
import type { LongEntry } from '../core/entry-buffer.js';
import { metaFromJson, metaToJson } from '../core/load-rules.js';
import { CaSnapshot } from '../core/snapshot.js';
import { StoreError } from '../errors.js';
import type { SwitchEvent } from '../types.js';

const MAGIC = Buffer.from('JPKISNAP', 'latin1');
const FORMAT = 1;

export interface CaFileState {
  current: CaSnapshot;
  previous: CaSnapshot | null;
  /** the switch that produced `current`: re-emitted by readers in other processes */
  lastEvent: SwitchEvent | null;
}

interface BlobHeader {
  id: string;
  chunkNo: number;
  listedBytes: number;
  count: number;
  hasInval: boolean;
}

interface GenerationHeader {
  generation: number;
  partitions: string[];
  /** indexes into blobs */
  chunks: number[];
  /** [signed decimal serial, reason, revokedSec, invalSec] */
  long: [string, number, number, number][];
}

interface FileHeader {
  caId: string;
  chunkBits: number;
  lastEvent: { caId: string; partition: string; crlNumber: string; generation: number } | null;
  current: GenerationHeader;
  previous: GenerationHeader | null;
  blobs: BlobHeader[];
}

function bytesOf(a: Uint8Array | Uint32Array, length = a.byteLength): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, length);
}

export function encodeCaFile(state: CaFileState): Buffer[] {
  const blobs: BlobHeader[] = [];
  const payload: Buffer[] = [];
  const blobIndex = new Map<Chunk, number>();
  const describe = (snap: CaSnapshot): GenerationHeader => {
    const chunks: number[] = [];
    for (const chunk of snap.chunks.values()) {
      let idx = blobIndex.get(chunk);
      if (idx === undefined) {
        idx = blobs.length;
        blobIndex.set(chunk, idx);
        const listedBytes = trimmedLength(chunk.listed);
        blobs.push({ id: chunk.id, chunkNo: chunk.chunkNo, listedBytes, count: chunk.count, hasInval: chunk.invalSec !== null });
        payload.push(bytesOf(chunk.listed, listedBytes), bytesOf(chunk.reasons), bytesOf(chunk.revokedSec));
        if (chunk.invalSec !== null) payload.push(bytesOf(chunk.invalSec));
      }
      chunks.push(idx);
    }
    const long: GenerationHeader['long'] = [...snap.long].map(([s, e]) => [s.toString(), e.reasonCode, e.revokedSec, e.invalSec]);
    return { generation: snap.generation, partitions: snap.partitions.map(metaToJson), chunks, long };
  };
  const ev = state.lastEvent;
  const header: FileHeader = {
    caId: state.current.caId,
    chunkBits: state.current.chunkBits,
    lastEvent: ev ? { caId: ev.caId, partition: ev.partition, crlNumber: ev.crlNumber.toString(), generation: ev.generation } : null,
    current: describe(state.current),
    previous: state.previous ? describe(state.previous) : null,
    blobs,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const fixed = Buffer.alloc(16);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt32LE(FORMAT, 8);
  fixed.writeUInt32LE(json.length, 12);
  return [fixed, json, ...payload];
}

export function decodeCaFile(bytes: Uint8Array, path: string): CaFileState {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (why: string, offset: number): StoreError => new StoreError('SNAPSHOT_CORRUPT', `${path}: ${why} at byte ${offset}`);
  if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC)) throw corrupt('not a jpki-validator snapshot (bad magic)', 0);
  if (buf.readUInt32LE(8) !== FORMAT) throw corrupt(`unknown format ${buf.readUInt32LE(8)}`, 8);
  const headerLength = buf.readUInt32LE(12);
  if (16 + headerLength > buf.length) throw corrupt('header runs past the end of the file', 12);
  let header: FileHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + headerLength)) as FileHeader;
  } catch (e) {
    throw new StoreError('SNAPSHOT_CORRUPT', `${path}: header is not JSON at byte 16`, { cause: e });
  }
  const chunkBytes = 2 ** header.chunkBits / 8;
  let pos = 16 + headerLength;
  const take = (n: number, what: string): Uint8Array => {
    if (pos + n > buf.length) throw corrupt(`${what} runs past the end of the file`, pos);
    // aligned copies: typed-array views need 4-byte alignment and the file buffer is shared
    const out = alignedCopy(buf.subarray(pos, pos + n), n);
    pos += n;
    return out;
  };
  const chunks = header.blobs.map((b, i) => {
    const listed = alignedCopy(take(b.listedBytes, `blob ${i} listed`), chunkBytes);
    const reasons = take(b.count, `blob ${i} reasons`);
    const revokedSec = new Uint32Array(take(b.count * 4, `blob ${i} dates`).buffer);
    const invalSec = b.hasInval ? new Uint32Array(take(b.count * 4, `blob ${i} invalidity dates`).buffer) : null;
    try {
      return new Chunk(b.id, b.chunkNo, { listed, reasons, revokedSec, invalSec });
    } catch (e) {
      throw new StoreError('SNAPSHOT_CORRUPT', `${path}: blob ${i}: ${(e as Error).message}`, { cause: e });
    }
  });
  if (pos !== buf.length) throw corrupt('trailing bytes after the last blob', pos);
  const build = (g: GenerationHeader): CaSnapshot => {
    const map = new Map<number, Chunk>();
    for (const idx of g.chunks) {
      const chunk = chunks[idx];
      if (chunk === undefined) throw corrupt(`generation ${g.generation} names missing blob ${idx}`, 16);
      map.set(chunk.chunkNo, chunk);
    }
    const long = new Map<bigint, LongEntry>(
      g.long.map(([s, reasonCode, revokedSec, invalSec]) => [BigInt(s), { reasonCode, revokedSec, invalSec }]),
    );
    return new CaSnapshot(header.caId, g.generation, header.chunkBits, map, long, g.partitions.map(metaFromJson));
  };
  const ev = header.lastEvent;
  return {
    current: build(header.current),
    previous: header.previous ? build(header.previous) : null,
    lastEvent: ev ? { caId: ev.caId, partition: ev.partition, crlNumber: BigInt(ev.crlNumber), generation: ev.generation } : null,
  };
}
