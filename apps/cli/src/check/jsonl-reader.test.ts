import { describe, expect, it } from 'vitest';
import { MalformedInputError } from './errors.js';
import { JsonlBatchParser, MAX_JSONL_LINE_CHARS } from './jsonl-reader.js';

const parser = () => new JsonlBatchParser({ inputName: 'in.jsonl', batchRows: 1_000 });

describe('JSON Lines reader on hostile input', () => {
  it('a line over the cap stops the run naming its line as soon as the cap is passed, holding no more than the cap', () => {
    const p = parser();
    p.push(Buffer.from('{"serial":"1"}\n{"serial":"'));
    const piece = Buffer.alloc(64 * 1024, 0x41);
    let thrown: unknown = null;
    let fed = 0;
    try {
      for (; fed < 400; fed++) p.push(piece);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MalformedInputError);
    expect((thrown as MalformedInputError).message).toBe(`in.jsonl: line 2: longer than ${MAX_JSONL_LINE_CHARS} characters`);
    // refused within one piece of the cap, not at the end of the line
    expect(fed).toBeLessThanOrEqual(Math.ceil(MAX_JSONL_LINE_CHARS / piece.length) + 1);
  });

  it('lines split anywhere between chunks (a multi-byte character too) read as whole lines', () => {
    const text = '{"serial":"7F00D015","id":"é日"}\n\n{"serial":"01","issuer":"jpki-sign"}\r\n{"serial":"2"}';
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 5, 17, bytes.length]) {
      const p = parser();
      const batches = [];
      for (let i = 0; i < bytes.length; i += size) batches.push(...p.push(bytes.subarray(i, i + size)));
      batches.push(...p.end());
      const rows = batches.flatMap((b) =>
        Array.from({ length: b.rows }, (_, i) => [b.lines[i], (b.objects[i] as { serial: string }).serial]),
      );
      expect({ size, rows }).toEqual({
        size,
        rows: [
          [1, '7F00D015'],
          [3, '01'],
          [4, '2'],
        ],
      });
    }
  });
});
