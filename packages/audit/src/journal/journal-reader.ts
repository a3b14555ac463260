/**
 * Reads a journal segment's blocks (format.ts) from a position, and decodes their entries into rows. The decoder keeps a
 * segment's string codes, so it reads a segment from its start: blocks before the position give their strings and no rows.
 */
import { closeSync, fdatasyncSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { AuditError } from '../errors.js';
import { AUDIT_ROUTES, type AuditRoute, type NewAuditRow } from '../record.js';
import {
  BLOCK_HEADER_BYTES,
  ITEM_DATA_FROM,
  ITEM_PERSONAL,
  ITEM_SERIAL_VALUE,
  TAG_ITEM,
  TAG_ITEM_T,
  TAG_REQUEST,
  TAG_STRING,
  TAG_TEMPLATE,
} from './format.js';

export interface ReadBlock {
  /** where the block begins and ends in its segment */
  start: number;
  end: number;
  payload: Buffer;
}

export type BlockResult = ReadBlock | 'end' | 'torn';

/** One segment file, read block by block with a reused buffer. */
export class SegmentFile {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(2 ** 20);
  private readonly header = Buffer.allocUnsafe(BLOCK_HEADER_BYTES);

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
  }

  size(): number {
    return fstatSync(this.fd).size;
  }

  /**
   * The block at `offset`, read no further than `limit`: 'end' when nothing (whole) is there yet, 'torn' when a block is there in
   * full but fails its checksum. A writer publishes its end only after a whole block is written, so a live journal read up to
   * its published end is never torn; a dead writer's last block may be.
   */
  blockAt(offset: number, limit: number): BlockResult {
    if (offset + BLOCK_HEADER_BYTES > limit) return 'end';
    if (readSync(this.fd, this.header, 0, BLOCK_HEADER_BYTES, offset) < BLOCK_HEADER_BYTES) return 'end';
    const length = this.header.readUInt32LE(0);
    const crc = this.header.readUInt32LE(4);
    const end = offset + BLOCK_HEADER_BYTES + length;
    if (end > limit) return 'end';
    if (this.buf.length < length) this.buf = Buffer.allocUnsafe(Math.max(length, this.buf.length * 2));
    const got = readSync(this.fd, this.buf, 0, length, offset + BLOCK_HEADER_BYTES);
    if (got < length) return 'end';
    const payload = this.buf.subarray(0, length);
    if (crc32(payload) !== crc) return 'torn';
    return { start: offset, end, payload };
  }

  /** durable on disk (fdatasync works through a read-only descriptor on Linux: it flushes the file, not the descriptor) */
  sync(): void {
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Decodes the entries of one segment's blocks, in order. */
export class SegmentDecoder {
  private readonly strings: (string | null)[] = [null];
  /** each template's fields (an ITEM's bytes up to its serial), by code */
  private readonly templates: (DataView | undefined)[] = [];
  private atMs = 0;
  private requestId = '';
  private apiKeyId: string | null = null;
  private purpose: string | null = null;
  private route: AuditRoute = 'status';
  private hasRequest = false;

  /** decodes a block; rows are passed to `onRow` only when `emit` (a block before the resume position gives its strings only) */
  decode(payload: Buffer, emit: boolean, onRow: (row: NewAuditRow) => void): void {
    const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    let p = 0;
    const n = payload.length;
    this.hasRequest = false;
    while (p < n) {
      const tag = payload[p] as number;
      p += 1;
      if (tag === TAG_STRING) {
        const code = v.getUint16(p, true);
        const bytes = v.getUint16(p + 2, true);
        this.strings[code] = payload.toString('utf8', p + 4, p + 4 + bytes);
        p += 4 + bytes;
      } else if (tag === TAG_REQUEST) {
        this.atMs = v.getFloat64(p, true);
        const idLength = payload[p + 8] as number;
        this.requestId = payload.toString('latin1', p + 9, p + 9 + idLength);
        let q = p + 9 + idLength;
        this.apiKeyId = this.str(v.getUint16(q, true));
        this.purpose = this.str(v.getUint16(q + 2, true));
        const route = this.str(v.getUint16(q + 4, true));
        this.route = (AUDIT_ROUTES as readonly (string | null)[]).includes(route) ? (route as AuditRoute) : 'status';
        q += 6;
        p = q;
        this.hasRequest = true;
      } else if (tag === TAG_ITEM || tag === TAG_ITEM_T) {
        let fields: DataView = v;
        let at = p;
        let serialAt = p + ITEM_SERIAL_VALUE;
        if (tag === TAG_ITEM_T) {
          const template = this.templates[v.getUint16(p, true)];
          if (template === undefined)
            throw new AuditError('AUDIT_JOURNAL_CORRUPT', `journal item with an undefined template at payload offset ${p - 1}`);
          fields = template;
          at = 0;
          serialAt = p + 2;
        }
        const serialValue = v.getFloat64(serialAt, true);
        let serial: string;
        let next: number;
        if (Number.isNaN(serialValue)) {
          const chars = payload[serialAt + 8] as number;
          serial = payload.toString('latin1', serialAt + 9, serialAt + 9 + chars);
          next = serialAt + 9 + chars;
        } else {
          serial = serialValue.toString(16).toUpperCase();
          next = serialAt + 8;
        }
        if (emit) {
          if (!this.hasRequest) throw new AuditError('AUDIT_JOURNAL_CORRUPT', 'journal item without a request in its block');
          onRow(this.row(fields, at, serial));
        }
        p = next;
      } else if (tag === TAG_TEMPLATE) {
        const code = v.getUint16(p, true);
        // a copy: the payload's buffer is reused for the next block, and items of later blocks refer to the template
        this.templates[code] = new DataView(
          payload.buffer.slice(payload.byteOffset + p + 2, payload.byteOffset + p + 2 + ITEM_SERIAL_VALUE),
        );
        p += 2 + ITEM_SERIAL_VALUE;
      } else {
        throw new AuditError('AUDIT_JOURNAL_CORRUPT', `journal entry with unknown tag ${tag} at payload offset ${p - 1}`);
      }
    }
  }

  /** a row of the current request from an item's fields at `at` in `f` (the payload, or a template) */
  private row(f: DataView, at: number, serial: string): NewAuditRow {
    const method = this.str(f.getUint16(at + 10, true));
    const dataFromMs = f.getFloat64(at + ITEM_DATA_FROM, true);
    const personal = f.getUint8(at + ITEM_PERSONAL);
    return {
      atMs: this.atMs,
      requestId: this.requestId,
      apiKeyId: this.apiKeyId,
      purpose: this.purpose,
      route: this.route,
      issuer: this.str(f.getUint16(at, true)),
      caId: this.str(f.getUint16(at + 2, true)),
      result: this.str(f.getUint16(at + 4, true)) ?? 'unknown',
      reason: this.str(f.getUint16(at + 6, true)),
      meaning: this.str(f.getUint16(at + 8, true)),
      method,
      crlNumber: this.str(f.getUint16(at + 12, true)),
      detail: this.str(f.getUint16(at + 14, true)),
      kind: this.str(f.getUint16(at + 16, true)),
      medium: this.str(f.getUint16(at + 18, true)),
      signature: this.str(f.getUint16(at + 20, true)),
      personalShown: personal === 0 ? null : personal === 2,
      ocspProducedAt: method === 'ocsp' && !Number.isNaN(dataFromMs) ? new Date(dataFromMs).toISOString() : null,
      dataAgeSeconds: Number.isNaN(dataFromMs) ? null : Math.max(0, Math.floor((this.atMs - dataFromMs) / 1000)),
      serial,
    };
  }

  private str(code: number): string | null {
    return code === 0 ? null : (this.strings[code] ?? null);
  }
}
