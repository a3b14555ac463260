/**
 * Streaming JSON Lines reader for `check`: one object per line (`{"serial": "…", "issuer"?: "…", "id"?: …, anything else}`),
 * blank lines skipped. A line that is not a JSON object, or longer than MAX_JSONL_LINE_CHARS, stops the run (exit 2) naming the
 * line; an object without a usable serial is a bad row (answered `unknown` / `malformed_serial`), not a bad file.
 */
import { StringDecoder } from 'node:string_decoder';
import { NEEDS_FULL_PARSE, readSerialNumber } from '@jpki-validator/status';
import { MalformedInputError } from './errors.js';
import { emptyBatch, IssuerNames, NO_SERIAL, type InputBatch, type InputShape } from './input-batch.js';

export interface JsonlReaderOptions {
  inputName: string;
  batchRows: number;
}

/** a row is a few hundred characters; a line past this is not a row (and holding it would only cost memory) */
export const MAX_JSONL_LINE_CHARS = 2 ** 20;

export class JsonlBatchParser {
  private readonly options: JsonlReaderOptions;
  private columns: string[] | null = null;
  private lineNo = 0;
  private carry = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly issuerNames = new IssuerNames();
  private batch: InputBatch | null = null;
  private readonly full: InputBatch[] = [];

  constructor(options: JsonlReaderOptions) {
    this.options = options;
  }

  get shape(): InputShape | null {
    return this.columns === null ? null : { format: 'jsonl', columns: this.columns };
  }

  /**
   * Feeds bytes as read (decoded here: a character may span two chunks). Only the new text is searched for newlines — the
   * unfinished line is never searched again — and it is refused once it passes MAX_JSONL_LINE_CHARS, so one endless line costs
   * what many short ones do.
   */
  push(chunk: Buffer): InputBatch[] {
    const text = this.decoder.write(chunk);
    let nl = text.indexOf('\n');
    if (nl < 0) {
      this.carry += text;
      this.checkCarry();
      return this.full.splice(0);
    }
    this.line(this.carry.length === 0 ? text.slice(0, nl) : this.carry + text.slice(0, nl));
    let pos = nl + 1;
    for (nl = text.indexOf('\n', pos); nl >= 0; nl = text.indexOf('\n', pos)) {
      this.line(text.slice(pos, nl));
      pos = nl + 1;
    }
    this.carry = text.slice(pos);
    this.checkCarry();
    return this.full.splice(0);
  }

  private checkCarry(): void {
    if (this.carry.length > MAX_JSONL_LINE_CHARS) this.tooLong(this.lineNo + 1);
  }

  private tooLong(lineNo: number): never {
    throw new MalformedInputError('jsonl', this.options.inputName, lineNo, `longer than ${MAX_JSONL_LINE_CHARS} characters`);
  }

  end(): InputBatch[] {
    this.carry += this.decoder.end();
    if (this.carry.length > 0) this.line(this.carry);
    this.carry = '';
    if (this.batch !== null && this.batch.rows > 0) this.full.push(this.batch);
    this.batch = null;
    this.columns ??= ['serial'];
    return this.full.splice(0);
  }

  private line(text: string): void {
    this.lineNo++;
    if (text.length > MAX_JSONL_LINE_CHARS) this.tooLong(this.lineNo);
    if (this.lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new MalformedInputError(
        'jsonl',
        this.options.inputName,
        this.lineNo,
        `not JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new MalformedInputError('jsonl', this.options.inputName, this.lineNo, 'not a JSON object');
    }
    const object = value as Record<string, unknown>;
    this.columns ??= Object.keys(object);
    const b = (this.batch ??= emptyBatch(this.options.batchRows, undefined, this.issuerNames.names));
    const i = b.rows;
    b.lines[i] = this.lineNo;
    b.starts[i] = -1;
    b.ends[i] = -1;
    b.objects[i] = object;
    // an absent serial reads as an empty one; a serial that is not a string is malformed as it stands
    const serial = typeof object.serial === 'string' ? object.serial : object.serial === undefined ? '' : null;
    b.serials[i] = serial === null ? NO_SERIAL : readSerialNumber(serial, 0, serial.length);
    if (serial !== null && b.serials[i] === NEEDS_FULL_PARSE) b.serialTexts[i] = serial;
    b.issuers[i] = typeof object.issuer === 'string' ? this.issuerNames.idOf(object.issuer) : -1;
    b.rows++;
    if (b.rows >= this.options.batchRows) {
      this.full.push(b);
      this.batch = null;
    }
  }
}
