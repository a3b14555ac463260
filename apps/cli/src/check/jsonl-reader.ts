/**
 * Streaming JSON Lines reader for `check`: one object per line (`{"serial": "…", "issuer"?: "…", "id"?: …, anything else}`),
 * blank lines skipped. A line that is not a JSON object stops the run (exit 2) naming the line; an object without a usable serial
 * is a bad row (answered `unknown` / `malformed_serial`), not a bad file.
 */
import { MalformedInputError } from './errors.js';
import { emptyBatch, type InputBatch, type InputShape } from './input-batch.js';

export interface JsonlReaderOptions {
  inputName: string;
  batchRows: number;
}

export class JsonlBatchParser {
  private readonly options: JsonlReaderOptions;
  private columns: string[] | null = null;
  private lineNo = 0;
  private carry = '';
  private batch: InputBatch = emptyBatch();
  private readonly full: InputBatch[] = [];

  constructor(options: JsonlReaderOptions) {
    this.options = options;
  }

  get shape(): InputShape | null {
    return this.columns === null ? null : { format: 'jsonl', columns: this.columns };
  }

  push(text: string): InputBatch[] {
    const data = this.carry.length === 0 ? text : this.carry + text;
    let pos = 0;
    for (;;) {
      const nl = data.indexOf('\n', pos);
      if (nl < 0) break;
      this.line(data.slice(pos, nl));
      pos = nl + 1;
    }
    this.carry = data.slice(pos);
    return this.full.splice(0);
  }

  end(): InputBatch[] {
    if (this.carry.length > 0) this.line(this.carry);
    this.carry = '';
    if (this.batch.lines.length > 0) this.full.push(this.batch);
    this.batch = emptyBatch();
    this.columns ??= ['serial'];
    return this.full.splice(0);
  }

  private line(text: string): void {
    this.lineNo++;
    if (this.lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new MalformedInputError('jsonl', this.options.inputName, this.lineNo, `not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new MalformedInputError('jsonl', this.options.inputName, this.lineNo, 'not a JSON object');
    }
    const object = value as Record<string, unknown>;
    this.columns ??= Object.keys(object);
    const b = this.batch;
    b.lines.push(this.lineNo);
    b.objects.push(object);
    b.serials.push(typeof object.serial === 'string' ? object.serial : object.serial === undefined ? '' : null);
    b.issuers.push(typeof object.issuer === 'string' ? object.issuer : null);
    if (b.lines.length >= this.options.batchRows) {
      this.full.push(b);
      this.batch = emptyBatch();
    }
  }
}
