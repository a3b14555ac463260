/**
 * The CSV reader's byte-level fast path against papaparse reading the whole text at once (the independent peer): whatever the
 * chunking — down to one byte per chunk, splitting multi-byte characters and CRLF pairs — every row comes out with the same
 * fields, the same line number, its line passed through byte for byte, its serial read to the value parseSerial gives and its
 * issuer to the trimmed name.
 */
import { NEEDS_FULL_PARSE } from '@jpki-validator/status';
import { parseSerial } from '@jpki-validator/x509';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { CsvBatchParser } from './csv-reader.js';
import { csvFields, type InputBatch } from './input-batch.js';

const INPUT = [
  '\uFEFFid,serial,issuer,note',
  '1,7000001,jpki-sign,plain',
  '2,0x7000002,jpki-sign-2023,東京都 千代田区', // multi-byte characters in a passed-through cell
  '3, 7000003 ,jpki-sign,spaces around the serial',
  '4,7a0000f,  jpki-sign  ,issuer with spaces',
  '',
  '5,"7000005","jpki-sign","quoted, with a comma"',
  '6,7000006,,"two',
  'lines"',
  '7,1234567890ABCDEF1234,jpki-sign,long serial',
  '8,not-hex,jpki-sign,bad serial',
  '9,,jpki-sign,empty serial',
  '10,0000007000010,jpki-sign,leading zeros\r',
  '11,7000011,jpki-sign,last line without a line ending',
].join('\n');

interface Row {
  line: number;
  fields: string[];
  raw: string;
  serial: bigint | null;
  issuer: string | null;
}

function rowsOf(batches: readonly InputBatch[]): Row[] {
  const rows: Row[] = [];
  for (const b of batches) {
    for (let i = 0; i < b.rows; i++) {
      const start = b.starts[i] as number;
      const value = b.serials[i] as number;
      const text = b.serialTexts[i];
      let serial: bigint | null;
      if (value !== NEEDS_FULL_PARSE) serial = BigInt(value);
      else {
        try {
          serial = parseSerial(text ?? '');
        } catch {
          serial = null;
        }
      }
      const issuer = b.issuers[i] as number;
      rows.push({
        line: b.lines[i] as number,
        fields: csvFields(b, i),
        raw: start >= 0 ? b.data.toString('utf8', start, b.ends[i]) : (b.raws.get(i) ?? ''),
        serial,
        issuer: issuer < 0 ? null : (b.issuerNames[issuer] ?? '?'),
      });
    }
  }
  return rows;
}

function read(bytes: Buffer, chunkBytes: number, batchRows = 3): Row[] {
  const parser = new CsvBatchParser({ inputName: 'test', batchRows });
  const batches: InputBatch[] = [];
  for (let p = 0; p < bytes.length; p += chunkBytes) batches.push(...parser.push(bytes.subarray(p, p + chunkBytes)));
  batches.push(...parser.end());
  return rowsOf(batches);
}

describe('CsvBatchParser', () => {
  const bytes = Buffer.from(INPUT, 'utf8');
  const peer = Papa.parse<string[]>(INPUT.replace(/^\uFEFF/, ''), { delimiter: ',', newline: '\n', skipEmptyLines: true }).data.slice(1);

  it('reads every row as papaparse does, whatever the chunk size', () => {
    const whole = read(bytes, bytes.length);
    expect(whole.map((r) => r.fields)).toEqual(peer.map((fields) => fields.map((f) => f.replace(/\r$/, ''))));
    expect(whole.map((r) => r.line)).toEqual([2, 3, 4, 5, 7, 8, 10, 11, 12, 13, 14]);
    for (const chunkBytes of [1, 2, 3, 5, 7, 64, 1000]) expect(read(bytes, chunkBytes, 2)).toEqual(whole);
  });

  it('reads serials to parseSerial’s value, issuers trimmed, lines byte for byte', () => {
    const rows = read(bytes, 7);
    expect(rows.map((r) => r.serial)).toEqual([
      0x7000001n,
      0x7000002n,
      0x7000003n,
      0x7a0000fn,
      0x7000005n,
      0x7000006n,
      0x1234567890abcdef1234n,
      null,
      null,
      0x7000010n,
      0x7000011n,
    ]);
    expect(rows.map((r) => r.issuer)).toEqual([
      'jpki-sign',
      'jpki-sign-2023',
      'jpki-sign',
      'jpki-sign',
      'jpki-sign',
      null,
      'jpki-sign',
      'jpki-sign',
      'jpki-sign',
      'jpki-sign',
      'jpki-sign',
    ]);
    expect(rows[1]?.raw).toBe('2,0x7000002,jpki-sign-2023,東京都 千代田区');
    expect(rows[4]?.raw).toBe('5,"7000005","jpki-sign","quoted, with a comma"');
    expect(rows[9]?.raw).toBe('10,0000007000010,jpki-sign,leading zeros');
  });

  it('names the line of a row with the wrong number of fields, on the fast path too', () => {
    const parser = new CsvBatchParser({ inputName: 'in.csv', batchRows: 10 });
    expect(() => parser.push(Buffer.from('serial,issuer\n7000001,a\n7000002,b,c\n'))).toThrow(
      'in.csv: line 3: 3 fields where the header has 2',
    );
  });
});

describe('a hostile CSV line', () => {
  it('a line without an end is refused once it passes the record limit, naming its line, not re-read chunk after chunk', async () => {
    const { MalformedInputError } = await import('./errors.js');
    const p = new CsvBatchParser({ inputName: 'in.csv', batchRows: 100 });
    p.push(Buffer.from('serial,note\n7000001,ok\n7000002,'));
    const piece = Buffer.alloc(64 * 1024, 0x41);
    let thrown: unknown = null;
    let fed = 0;
    try {
      for (; fed < 400; fed++) p.push(piece);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MalformedInputError);
    expect((thrown as Error).message).toBe('in.csv: line 3: line runs past 1048576 bytes');
    expect(fed).toBeLessThanOrEqual(17);
  });
});
