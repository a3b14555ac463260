/**
 * NDJSON lines out of a byte stream, hostile input included: every byte is looked at once (a newline search over the new chunk
 * only, never over what came before), and no more than `maxLineBytes` of an unfinished line is ever kept. A longer line is not
 * kept at all: its bytes are dropped as they arrive and the line is reported as oversized when its newline (or the end) comes,
 * so one 200 MB line costs what a stream of short ones does and its content never reaches the answer.
 */

const NEWLINE = 0x0a;

/** What the reader hands on, in input order. `lineNo` counts every line from 1, blank ones included. */
export interface LineSink {
  /** a whole line, without its newline: `bytes[start, end)` is valid during the call only */
  line(bytes: Buffer, start: number, end: number, lineNo: number): void;
  /** a line longer than the limit, whose bytes were dropped */
  oversized(lineNo: number): void;
}

export class NdjsonLineReader {
  /** the unfinished line's bytes so far (never more than maxLineBytes) */
  private pending: Buffer;
  private pendingLength = 0;
  /** the current line passed the limit: its bytes are dropped up to its newline */
  private dropping = false;
  private lineNo = 0;
  /** bytes searched for newlines, for the test that checks each byte is looked at once */
  scannedBytes = 0;

  constructor(
    readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {
    this.pending = Buffer.allocUnsafe(Math.min(maxLineBytes, 4096));
  }

  /** bytes held between chunks (at most maxLineBytes) */
  get bufferedBytes(): number {
    return this.pendingLength;
  }

  push(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const end = bytes.length;
    this.scannedBytes += end;
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE, 0); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
      this.finishLine(bytes, start, nl);
      start = nl + 1;
    }
    if (start < end) this.keep(bytes, start, end);
  }

  /** the input ended: a last line without a newline still counts */
  end(): void {
    if (this.dropping) {
      this.dropping = false;
      this.sink.oversized(++this.lineNo);
    } else if (this.pendingLength > 0) {
      const length = this.pendingLength;
      this.pendingLength = 0;
      this.sink.line(this.pending, 0, length, ++this.lineNo);
    }
  }

  /** `bytes[start, nl)` ends the current line */
  private finishLine(bytes: Buffer, start: number, nl: number): void {
    const lineNo = ++this.lineNo;
    if (this.dropping) {
      this.dropping = false;
      this.sink.oversized(lineNo);
      return;
    }
    if (this.pendingLength + (nl - start) > this.maxLineBytes) {
      this.pendingLength = 0;
      this.sink.oversized(lineNo);
      return;
    }
    if (this.pendingLength === 0) {
      this.sink.line(bytes, start, nl, lineNo);
      return;
    }
    this.append(bytes, start, nl);
    const length = this.pendingLength;
    this.pendingLength = 0;
    this.sink.line(this.pending, 0, length, lineNo);
  }

  /** `bytes[start, end)` is the start of a line whose newline has not come yet */
  private keep(bytes: Buffer, start: number, end: number): void {
    if (this.dropping) return;
    if (this.pendingLength + (end - start) > this.maxLineBytes) {
      this.dropping = true;
      this.pendingLength = 0;
      return;
    }
    this.append(bytes, start, end);
  }

  private append(bytes: Buffer, start: number, end: number): void {
    const needed = this.pendingLength + (end - start);
    if (needed > this.pending.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxLineBytes, Math.max(needed, this.pending.length * 2)));
      this.pending.copy(grown, 0, 0, this.pendingLength);
      this.pending = grown;
    }
    bytes.copy(this.pending, this.pendingLength, start, end);
    this.pendingLength = needed;
  }
}
