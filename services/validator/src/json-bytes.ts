/**
 * A growing UTF-8 buffer the batch answers are written into. For 10 000 answers (~3.5 MB), writing pieces into one buffer costs
 * a fraction of building strings and joining them (each answer a rope of pieces that `join` must flatten), and the response then
 * goes to the socket as bytes, with no encoding pass of its own.
 */
export class JsonBytes {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** text that is ASCII only (hex, RFC 3339 times, fixed JSON punctuation) */
  ascii(text: string): void {
    this.room(text.length);
    this.pos += this.buf.write(text, this.pos, 'latin1');
  }

  /** any text (an id, an issuer as the caller sent it): up to 3 bytes per UTF-16 unit */
  utf8(text: string): void {
    this.room(text.length * 3);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** bytes made once (an outcome's template) */
  bytes(piece: Uint8Array): void {
    this.room(piece.length);
    this.buf.set(piece, this.pos);
    this.pos += piece.length;
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
