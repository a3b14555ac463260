import { describe, expect, it } from 'vitest';
import { WatchRowError } from '../errors.js';
import { MAX_RECORD_BYTES, WatchCsvReader } from './watch-csv-reader.js';

type Row = { line: number; customerId: string; issuer: string; serial: string; notAfter: string | null };

/** reads `text` fed in pieces of `step` bytes (0: whole); `reused`: each piece through one buffer, overwritten after the push */
function read(text: string | Buffer, step = 0, reused = false): Row[] {
  const rows: Row[] = [];
  const reader = new WatchCsvReader((bytes, cells, line) => {
    const cell = (k: number) =>
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', cells[k * 2], cells[k * 2 + 1]);
    rows.push({ line, customerId: cell(0), issuer: cell(1), serial: cell(2), notAfter: (cells[6] as number) < 0 ? null : cell(3) });
  });
  const data = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  if (step === 0) reader.push(data);
  else if (!reused) for (let i = 0; i < data.length; i += step) reader.push(data.subarray(i, i + step));
  else {
    const buffer = Buffer.alloc(step);
    for (let i = 0; i < data.length; i += step) {
      const n = data.copy(buffer, 0, i, i + step);
      reader.push(buffer.subarray(0, n));
      buffer.fill('"');
    }
  }
  reader.end();
  return rows;
}

function failure(text: string): WatchRowError {
  try {
    read(text);
  } catch (e) {
    if (e instanceof WatchRowError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('WatchCsvReader', () => {
  it('reads plain rows in place, columns in any order, extra columns ignored, notAfter optional', () => {
    expect(read('serial,customerId,extra,issuer\n7F, C-1 ,x,jpki-sign\r\n\n0x80,C-2,y,jpki-auth\n')).toEqual([
      { line: 2, customerId: 'C-1', issuer: 'jpki-sign', serial: '7F', notAfter: null },
      { line: 4, customerId: 'C-2', issuer: 'jpki-auth', serial: '0x80', notAfter: null },
    ]);
    expect(read('customerId,issuer,serial,notAfter\nC-1,jpki-sign,1,2031-01-01\nC-2,jpki-sign,2,\nC-3,jpki-sign,3')).toEqual([
      { line: 2, customerId: 'C-1', issuer: 'jpki-sign', serial: '1', notAfter: '2031-01-01' },
      { line: 3, customerId: 'C-2', issuer: 'jpki-sign', serial: '2', notAfter: null },
      // a trailing optional column may be left out
      { line: 4, customerId: 'C-3', issuer: 'jpki-sign', serial: '3', notAfter: null },
    ]);
  });

  it('hands quoted rows to the CSV library: commas, doubled quotes and line breaks inside quotes; a BOM before the header', () => {
    const text = '\ufeffcustomerId,issuer,serial\n"C,1",jpki-sign,1\n"C ""2""",jpki-sign,2\n"C\n3",jpki-sign,3\nC-4,jpki-sign,4\n';
    expect(read(text).map((r) => [r.line, r.customerId, r.serial])).toEqual([
      [2, 'C,1', '1'],
      [3, 'C "2"', '2'],
      [4, 'C\n3', '3'],
      [6, 'C-4', '4'],
    ]);
  });

  it('gives the same rows however the bytes are split (one byte at a time, 7 at a time)', () => {
    const text = 'customerId,issuer,serial,notAfter\r\n"C,1",jpki-sign,1,\r\nC-2,jpki-sign,2,2031-01-01T00:00:00Z\r\n"C\n3",x,3,\nC-4,x,4,';
    const whole = read(text);
    expect(read(text, 1)).toEqual(whole);
    expect(read(text, 7)).toEqual(whole);
    expect(whole).toHaveLength(4);
  });

  it('keeps nothing of a chunk after the push: the same rows when one read buffer is refilled (and scribbled on) each time', () => {
    const text = 'customerId,issuer,serial,notAfter\n"C,1",jpki-sign,1,\r\nC-2, jpki-sign ,2,2031-01-01\n"C\n3",x,3,\n \nC-4,x,4,';
    const whole = read(text);
    for (const step of [1, 2, 5, 7, 16]) expect(read(text, step, true)).toEqual(whole);
    expect(whole.map((r) => [r.line, r.customerId, r.issuer])).toEqual([
      [2, 'C,1', 'jpki-sign'],
      [3, 'C-2', 'jpki-sign'],
      [4, 'C\n3', 'x'],
      [7, 'C-4', 'x'],
    ]);
  });

  it('an empty input is an error (no header); a header alone is a list of no rows', () => {
    expect(failure('')).toMatchObject({ line: 1, field: 'header' });
    expect(failure('').message).toMatch(/no header/);
    expect(read('customerId,issuer,serial\n')).toEqual([]);
  });

  it('a header without a required column names it', () => {
    expect(failure('customerId,serial\nC,1\n')).toMatchObject({ line: 1, field: 'issuer' });
  });

  it('a row with too many or too few fields names its line', () => {
    expect(failure('customerId,issuer,serial\nC,jpki-sign,1,extra\n')).toMatchObject({ line: 2, field: 'row' });
    expect(failure('customerId,issuer,serial\nC,jpki-sign\n')).toMatchObject({ line: 2, field: 'row' });
  });

  it('an unbalanced quote is a short error naming the line and field, however much input follows it', () => {
    const rest = Array.from({ length: 20_000 }, (_, i) => `C-${i},jpki-sign,${i.toString(16)}`).join('\n');
    const e = failure(`customerId,issuer,serial\nC-0,jpki-sign,1\nC-1,"jpki-sign,2\n${rest}\n`);
    expect(e).toMatchObject({ line: 3, field: 'issuer' });
    expect(e.message.length).toBeLessThan(200);
    expect(e.message).toMatch(/^line 3, field issuer: a quoted field is not closed within/);
    // at the end of the input
    const atEnd = failure('customerId,issuer,serial\nC-0,jpki-sign,1\n"C-1,jpki-sign,2\n');
    expect(atEnd).toMatchObject({ line: 3, field: 'customerId' });
    expect(atEnd.message).toBe('line 3, field customerId: a quoted field is never closed');
    expect(MAX_RECORD_BYTES).toBeLessThan(rest.length);
  });

  it('quotes inside an unquoted field are read as the CSV library reads them; a lone one is an error naming its line', () => {
    expect(read('customerId,issuer,serial\nC"1",jpki-sign,1\n').map((r) => r.customerId)).toEqual(['C"1"']);
    expect(failure('customerId,issuer,serial\nC"1,jpki-sign,1\nC-2,jpki-sign,2\n')).toMatchObject({ line: 2 });
  });
});
