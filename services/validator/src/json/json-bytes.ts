import { MAX_TIME_BYTES, writeTime } from '@jpki-validator/x509';

/**
 * A growing UTF-8 buffer the batch answers are written into. For 10 000 answers (~3.5 MB), writing pieces into one buffer costs
 * a fraction of building strings and joining them (each answer a rope of pieces that `join` must flatten), and the response then
 * goes to the socket as bytes, with no encoding pass of its own.
 */
/**
 * Up to this many UTF-16 units a string is copied by a loop here: a call into Buffer.write costs more than the copy for the
 * short pieces of a batch row (a serial, two times, an id), three of them per row.
 */
const SHORT_TEXT = 64;

export class JsonBytes {
  private buf: Buffer;
  private pos = 0;

  /** a size to allocate, or a buffer to write into (response-buffers.ts) */
  constructor(initial: number | Buffer = 64 * 1024) {
    this.buf = typeof initial === 'number' ? Buffer.allocUnsafeSlow(initial) : initial;
  }

  /** whether the bytes are still in `buffer` (the one given to the constructor): false once they outgrew it */
  writesInto(buffer: Buffer): boolean {
    return this.buf === buffer;
  }

  /** text that is ASCII only (hex, RFC 3339 times, fixed JSON punctuation) */
  ascii(text: string): void {
    const n = text.length;
    this.room(n);
    if (n > SHORT_TEXT) {
      this.pos += this.buf.write(text, this.pos, 'latin1');
      return;
    }
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** any text (an id, an issuer as the caller sent it): up to 3 bytes per UTF-16 unit */
  utf8(text: string): void {
    const n = text.length;
    this.room(n * 3);
    if (n <= SHORT_TEXT) {
      // most ids and issuers are short and ASCII: copied here; the first other character hands the whole text to Buffer.write
      const buf = this.buf;
      let pos = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c > 0x7f) break;
        buf[pos++] = c;
      }
      if (i === n) {
        this.pos = pos;
        return;
      }
    }
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** a JSON string: `"text"` escaped as JSON.stringify escapes it (copied here when nothing needs escaping) */
  jsonString(text: string): void {
    const n = text.length;
    if (n <= SHORT_TEXT) {
      this.room(n + 2);
      const buf = this.buf;
      let pos = this.pos;
      buf[pos++] = 0x22;
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) break;
        buf[pos++] = c;
      }
      if (i === n) {
        buf[pos++] = 0x22;
        this.pos = pos;
        return;
      }
    }
    this.utf8(JSON.stringify(text));
  }

  /** a non-negative safe integer as a JSON string of upper-case hex digits, the contract's serial form */
  hexString(value: number): void {
    if (value < 0x1_0000_0000) {
      this.hex32(value);
      return;
    }
    let digits = 1;
    for (let v = value; v >= 16; v = Math.floor(v / 16)) digits++;
    this.room(digits + 2);
    const buf = this.buf;
    const start = this.pos;
    buf[start] = 0x22;
    let v = value;
    for (let k = start + digits; k > start; k--) {
      const d = v % 16;
      buf[k] = d < 10 ? 0x30 + d : 0x37 + d;
      v = Math.floor(v / 16);
    }
    buf[start + digits + 1] = 0x22;
    this.pos = start + digits + 2;
  }

  /** `"YYYY-MM-DDTHH:MM:SSZ"`: formatTime's text (x509, the contract's time form) as a JSON string; NaN is the caller's `null` */
  time(ms: number): void {
    this.room(MAX_TIME_BYTES + 2);
    const buf = this.buf;
    buf[this.pos++] = 0x22;
    this.pos = writeTime(ms, buf, this.pos);
    buf[this.pos++] = 0x22;
  }

  /** hexString for 0 ≤ value < 2^32 (JPKI's serials), by 32-bit integer shifts instead of floating-point division */
  private hex32(value: number): void {
    let digits = 1;
    for (let v = value >>> 4; v !== 0; v >>>= 4) digits++;
    this.room(digits + 2);
    const buf = this.buf;
    const start = this.pos;
    buf[start] = 0x22;
    let v = value >>> 0;
    for (let k = start + digits; k > start; k--) {
      const d = v & 15;
      buf[k] = d < 10 ? 0x30 + d : 0x37 + d;
      v >>>= 4;
    }
    buf[start + digits + 1] = 0x22;
    this.pos = start + digits + 2;
  }

  /** bytes made once (an outcome's template) */
  bytes(piece: Uint8Array): void {
    this.room(piece.length);
    this.buf.set(piece, this.pos);
    this.pos += piece.length;
  }

  /** source[start, end): a piece of a request body that is already its own JSON (an id token) */
  copy(source: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.room(n);
    if (n > SHORT_TEXT) {
      this.buf.set(source.subarray(start, end), this.pos);
      this.pos += n;
      return;
    }
    const buf = this.buf;
    let pos = this.pos;
    for (let i = start; i < end; i++) buf[pos++] = source[i] as number;
    this.pos = pos;
  }

  byte(value: number): void {
    this.room(1);
    this.buf[this.pos++] = value;
  }

  /** what was written; the writer must not be used after */
  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}
