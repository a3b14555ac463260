/**
 * The audit journal's writer, on the thread that answers requests. A record costs a few typed-array writes into one preallocated
 * buffer — no promise, no object, no system call per request; the first record of an event-loop turn schedules one `setImmediate`
 * that writes the turn's records as one block (format.ts) with one `writeSync`, and publishes the new end to the shipping worker
 * through shared memory. So a record reaches the operating system's page cache within the turn its answer was given in: a SIGKILL
 * of the process loses at most the records of the turn in progress, never what a finished turn wrote. Power loss may lose what the
 * worker had not yet fsynced (it fsyncs the journal about once a second).
 *
 * A write that fails (disk full) keeps the bytes and retries; the buffer grows meanwhile, so nothing is dropped while memory lasts.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  BLOCK_HEADER_BYTES,
  ITEM_FIXED_BYTES,
  MAX_REQUEST_ID_CHARS,
  MAX_SERIAL_CHARS,
  ITEM_DATA_FROM,
  ITEM_PERSONAL,
  ITEM_SERIAL_VALUE,
  MAX_STRING_BYTES,
  MAX_STRINGS,
  MAX_TEMPLATES,
  packPosition,
  segmentName,
  TAG_ITEM,
  TAG_ITEM_T,
  TAG_REQUEST,
  TAG_STRING,
  TAG_TEMPLATE,
} from './format.js';
import type { ItemFields } from './item-fields.js';

export interface JournalWriterOptions {
  /** the journal's own directory (made if missing; the writer owns it for its life) */
  dir: string;
  /** the preallocated buffer (default 1 MiB); a turn that writes more flushes as it goes */
  bufferBytes?: number;
  /** a segment is closed after the block that passes this size (default 64 MiB) */
  maxSegmentBytes?: number;
  /** a segment is closed once it defines this many strings (default and most: 65 535, the u16 codes' room) */
  maxStrings?: number;
  /** where the writer publishes its end (packPosition) for the worker */
  published?: BigInt64Array;
  /** a write failed (it is retried); default: ignored */
  onError?: (error: unknown) => void;
  /** how often the owner file's time is renewed (default 10 000 ms): a journal whose owner stops renewing it is an orphan */
  heartbeatMs?: number;
}

export const OWNER_FILE = 'owner';

export class JournalWriter {
  readonly dir: string;
  private buf: Buffer;
  private view: DataView;
  private pos = BLOCK_HEADER_BYTES;
  private fd: number;
  private segment = 1;
  private segmentBytes = 0;
  private readonly strings = new Map<string, number>();
  private templates = 0;
  private readonly maxSegmentBytes: number;
  private readonly maxStrings: number;
  private scheduled = false;
  private failing = false;
  private closed = false;
  /**
   * the open request's REQUEST entry, re-emitted when its items continue into a new block: where it is in the buffer
   * (`requestStart` ≥ 0), copied aside only when a block is written while the request is open (not once per request)
   */
  private readonly requestHeader = Buffer.alloc(128);
  private requestHeaderBytes = 0;
  private requestStart = -1;
  private requestOpen = false;
  private requestInBlock = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly flushSoon = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(private readonly options: JournalWriterOptions) {
    this.dir = options.dir;
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, OWNER_FILE), `${process.pid}\n`);
    this.buf = Buffer.allocUnsafe(options.bufferBytes ?? 2 ** 20);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.maxSegmentBytes = options.maxSegmentBytes ?? 64 * 2 ** 20;
    this.maxStrings = Math.min(options.maxStrings ?? MAX_STRINGS, MAX_STRINGS);
    this.fd = openSync(join(this.dir, segmentName(this.segment)), 'a');
    this.publish();
    const ownerFile = join(this.dir, OWNER_FILE);
    this.heartbeat = setInterval(() => {
      const now = new Date();
      try {
        utimesSync(ownerFile, now, now);
      } catch (error) {
        options.onError?.(error);
      }
    }, options.heartbeatMs ?? 10_000);
    this.heartbeat.unref();
  }

  /** the string's code in the current segment (0 for null), defining it in the journal the first time */
  code(text: string | null): number {
    if (text === null) return 0;
    let code = this.strings.get(text);
    if (code !== undefined) return code;
    // a turn that defines more strings than a segment holds (a huge batch of distinct unknown issuers): the text stays unrecorded
    // rather than a code overflowing; segments close between turns once they near the limit
    if (this.strings.size >= MAX_STRINGS) return 0;
    code = this.strings.size + 1;
    this.strings.set(text, code);
    const cut = text.length > MAX_STRING_BYTES / 3 ? cutUtf8(text, MAX_STRING_BYTES) : text;
    const bytes = Buffer.byteLength(cut, 'utf8');
    this.reserve(1 + 2 + 2 + bytes);
    this.buf[this.pos] = TAG_STRING;
    this.view.setUint16(this.pos + 1, code, true);
    this.view.setUint16(this.pos + 3, bytes, true);
    this.buf.write(cut, this.pos + 5, bytes, 'utf8');
    this.pos += 5 + bytes;
    return code;
  }

  /** starts a request: the items written after it (until the next request) are its answers */
  request(atMs: number, requestId: string, apiKeyId: number, purpose: number, route: number): void {
    const idLength = Math.min(requestId.length, MAX_REQUEST_ID_CHARS);
    this.reserve(1 + 8 + 1 + idLength + 6);
    const p = this.pos;
    this.buf[p] = TAG_REQUEST;
    this.view.setFloat64(p + 1, atMs, true);
    this.buf[p + 9] = idLength;
    putLatin1(this.buf, p + 10, requestId, idLength);
    const q = p + 10 + idLength;
    this.view.setUint16(q, apiKeyId, true);
    this.view.setUint16(q + 2, purpose, true);
    this.view.setUint16(q + 4, route, true);
    this.requestStart = p;
    this.requestHeaderBytes = q + 6 - p;
    this.requestOpen = true;
    this.requestInBlock = true;
    this.pos = q + 6;
  }

  /** one answer of the open request; `serialValue` ≥ 0 is the serial's value, else `serialText` is written */
  item(f: ItemFields, serialValue: number, serialText: string): void {
    const textChars = serialValue >= 0 ? 0 : Math.min(serialText.length, MAX_SERIAL_CHARS);
    const p = this.beginItem(1 + ITEM_FIXED_BYTES + (serialValue >= 0 ? 0 : 1 + textChars));
    this.buf[p] = TAG_ITEM;
    this.writeFields(p + 1, f);
    this.pos = this.writeSerial(p + 1 + ITEM_SERIAL_VALUE, serialValue, serialText, textChars);
    this.scheduleFlush();
  }

  /**
   * Defines a template — fields that items written with `itemOf` share (a batch's outcome) — valid until the end of the current
   * synchronous call (a segment change between turns resets templates, as it does string codes). 0 when the segment holds no
   * more: write such items with `item`.
   */
  template(f: ItemFields): number {
    if (this.templates >= MAX_TEMPLATES) return 0;
    const code = ++this.templates;
    this.reserve(1 + 2 + ITEM_SERIAL_VALUE);
    const p = this.pos;
    this.buf[p] = TAG_TEMPLATE;
    this.view.setUint16(p + 1, code, true);
    this.writeFields(p + 3, f);
    this.pos = p + 3 + ITEM_SERIAL_VALUE;
    return code;
  }

  /** one answer of the open request whose fields are the template's (`template` ≠ 0); the serial as in `item` */
  itemOf(template: number, serialValue: number, serialText: string): void {
    const textChars = serialValue >= 0 ? 0 : Math.min(serialText.length, MAX_SERIAL_CHARS);
    const p = this.beginItem(1 + 2 + 8 + (serialValue >= 0 ? 0 : 1 + textChars));
    this.buf[p] = TAG_ITEM_T;
    this.view.setUint16(p + 1, template, true);
    this.pos = this.writeSerial(p + 3, serialValue, serialText, textChars);
    this.scheduleFlush();
  }

  /** room for an item of `bytes`, after its request's header when the item opens a block; where the item goes */
  private beginItem(bytes: number): number {
    this.reserve(bytes + this.requestHeaderBytes);
    if (this.requestOpen && !this.requestInBlock) {
      this.pos += this.requestHeader.copy(this.buf, this.pos, 0, this.requestHeaderBytes);
      this.requestInBlock = true;
    }
    return this.pos;
  }

  /** an item's fields up to its serial, at `p` */
  private writeFields(p: number, f: ItemFields): void {
    const v = this.view;
    v.setUint16(p, f.issuer, true);
    v.setUint16(p + 2, f.caId, true);
    v.setUint16(p + 4, f.result, true);
    v.setUint16(p + 6, f.reason, true);
    v.setUint16(p + 8, f.meaning, true);
    v.setUint16(p + 10, f.method, true);
    v.setUint16(p + 12, f.crlNumber, true);
    v.setUint16(p + 14, f.detail, true);
    v.setUint16(p + 16, f.kind, true);
    v.setUint16(p + 18, f.medium, true);
    v.setUint16(p + 20, f.signature, true);
    this.buf[p + ITEM_PERSONAL] = f.personalShown;
    v.setFloat64(p + ITEM_DATA_FROM, f.dataFromMs, true);
  }

  /** f64 serial value, or NaN and the text; the position after it */
  private writeSerial(p: number, serialValue: number, serialText: string, textChars: number): number {
    if (serialValue >= 0) {
      this.view.setFloat64(p, serialValue, true);
      return p + 8;
    }
    this.view.setFloat64(p, Number.NaN, true);
    this.buf[p + 8] = textChars;
    putLatin1(this.buf, p + 9, serialText, textChars);
    return p + 9 + textChars;
  }

  private scheduleFlush(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** writes what the buffer holds now (the end of a turn; close); false when the write failed (it is retried) */
  flush(): boolean {
    this.requestOpen = false;
    if (this.pos > BLOCK_HEADER_BYTES && !this.writeBlock()) return false;
    if (this.segmentBytes >= this.maxSegmentBytes || this.strings.size >= this.maxStrings || this.templates >= MAX_TEMPLATES / 2)
      this.nextSegment();
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.heartbeat);
    closeSync(this.fd);
  }

  /** room for `bytes` more in the block: a full block is written first, and when that fails the buffer grows (never drops) */
  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    if (this.pos > BLOCK_HEADER_BYTES && !this.failing) this.writeBlock();
    if (this.pos + bytes > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
    }
  }

  /** writes the block; false (bytes kept, retried shortly) when the write fails */
  private writeBlock(): boolean {
    const payload = this.buf.subarray(BLOCK_HEADER_BYTES, this.pos);
    this.view.setUint32(0, payload.length, true);
    this.view.setUint32(4, crc32(payload), true);
    const length = this.pos;
    try {
      let written = 0;
      while (written < length) written += writeSync(this.fd, this.buf, written, length - written);
    } catch (error) {
      // a partial write is cut off again, so the retry writes the whole block where this one began
      try {
        ftruncateSync(this.fd, this.segmentBytes);
      } catch {
        // the block stays torn; the reader stops before it and the retry's copy follows it (see journal-reader.ts)
      }
      if (!this.failing) this.options.onError?.(error);
      this.failing = true;
      setTimeout(this.flushSoon, 100).unref();
      return false;
    }
    this.failing = false;
    this.segmentBytes += length;
    if (this.requestOpen && this.requestStart >= 0) {
      this.buf.copy(this.requestHeader, 0, this.requestStart, this.requestStart + this.requestHeaderBytes);
      this.requestStart = -1;
    }
    this.pos = BLOCK_HEADER_BYTES;
    this.requestInBlock = false;
    this.publish();
    return true;
  }

  /** the next segment; when it cannot be opened the current one goes on (and the next flush tries again) */
  private nextSegment(): void {
    let fd: number;
    try {
      mkdirSync(this.dir, { recursive: true });
      fd = openSync(join(this.dir, segmentName(this.segment + 1)), 'a');
    } catch (error) {
      this.options.onError?.(error);
      return;
    }
    closeSync(this.fd);
    this.fd = fd;
    this.segment += 1;
    this.segmentBytes = 0;
    this.strings.clear();
    this.templates = 0;
    this.publish();
  }

  private publish(): void {
    if (this.options.published)
      Atomics.store(this.options.published, 0, packPosition({ segment: this.segment, offset: this.segmentBytes }));
  }
}

/**
 * `chars` characters of `text` as latin1 bytes (each character's low byte, as Buffer#write does) at `at`: for the short ids and
 * serials of every record, a loop the compiler inlines costs less than a call into the runtime
 */
function putLatin1(buf: Buffer, at: number, text: string, chars: number): void {
  for (let i = 0; i < chars; i++) buf[at + i] = text.charCodeAt(i) & 0xff;
}

/** the longest prefix of `text` whose UTF-8 fits `maxBytes`, never splitting a character */
function cutUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes) break;
    bytes += n;
    i += ch.length;
  }
  return text.slice(0, i);
}
