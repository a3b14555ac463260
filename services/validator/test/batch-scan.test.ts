/**
 * scanBatchBody (src/batch-scan.ts): which bodies it reads in place and which it leaves to JSON.parse. What it reads must be what
 * JSON.parse reads (issuers, serial texts, ids as JSON.stringify writes them); everything outside its plain form must be declined
 * so the route answers it as before. The answers themselves are compared over HTTP in batch-text.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { scanBatchBody } from '../src/batch/batch-scan.js';
import { JsonBytes } from '../src/json/json-bytes.js';

const scan = (body: string, maxItems = 10_000) => scanBatchBody(Buffer.from(body, 'utf8'), maxItems);

/** what the scanner read, in JSON.parse's terms */
function read(body: string): { issuer: string; serial: string; id?: unknown }[] | null {
  const rows = scan(body);
  if (rows === null) return null;
  return Array.from({ length: rows.length }, (_, i) => {
    const out = new JsonBytes(4);
    rows.writeId(i, out);
    const idText = Buffer.from(out.result()).toString('latin1');
    const item = rows.item(i);
    // the id written into the answer is the id read
    expect(idText).toBe(item.id === undefined ? '' : `,"id":${JSON.stringify(item.id)}`);
    expect(rows.issuers[rows.issuerIndex[i] as number]).toBe(item.issuer);
    return item;
  });
}

describe('scanBatchBody', () => {
  it('reads the plain form as JSON.parse does, in any JSON whitespace', () => {
    const bodies = [
      '{"items":[]}',
      ' \t\r\n{ "items" : [ ] } \n',
      '{"items":[{"issuer":"jpki-sign-2023","serial":"7000001"}]}',
      '{"items":[{"serial":"0x1F","issuer":"jpki-sign","id":"a b/c"},{"id":42,"issuer":"jpki-sign","serial":"not hex"}]}',
      '{"items":[{"issuer":"","serial":"","id":""},{"issuer":"x","serial":" 7 ","id":-123456789012345},{"issuer":"jpki-sign","serial":"1","id":0}]}',
      '{\n  "items": [\n    {\n      "issuer": "a",\n      "serial": "FF",\n      "id": 9\n    },\n    {"issuer":"b","serial":"FE"},\n    {"issuer":"a","serial":"FD"}\n  ]\n}',
    ];
    for (const body of bodies) {
      const parsed = (JSON.parse(body) as { items: unknown[] }).items;
      expect(read(body)).toEqual(parsed);
    }
    const rows = scan('{"items":[{"issuer":"a","serial":"1"},{"issuer":"b","serial":"2"},{"issuer":"a","serial":"3"}]}');
    expect(rows?.issuers).toEqual(['a', 'b']);
    expect(Array.from(rows?.issuerIndex.subarray(0, 3) ?? [])).toEqual([0, 1, 0]);
  });

  it('reads every row of a large body, and of the densest body there can be', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({
      issuer: i % 3 === 0 ? 'jpki-sign-2015' : 'jpki-sign-2023',
      serial: (0x7000000 + i).toString(16),
      id: i,
    }));
    expect(read(JSON.stringify({ items }))).toEqual(items);
    // 26 bytes an item, the least there can be: exactly the columns' capacity for this length (maxItemsIn)
    const dense = Array.from({ length: 3000 }, () => ({ issuer: '', serial: '' }));
    expect(read(JSON.stringify({ items: dense }))).toEqual(dense);
  });

  it('declines whatever is not its plain form, for JSON.parse and the schema to judge', () => {
    const declined = [
      '',
      '[]',
      '{}',
      'null',
      '\ufeff{"items":[]}',
      '{"items":[]} x',
      '{"items":[],"more":1}',
      '{"more":1,"items":[]}',
      '{"items":{}}',
      '{"items":[null]}',
      '{"items":[{}]}',
      '{"items":[{"issuer":"a"}]}',
      '{"items":[{"serial":"1"}]}',
      '{"items":[{"issuer":"a","serial":"1","note":"x"}]}',
      '{"items":[{"issuer":"a","serial":"1","serial":"2"}]}',
      '{"items":[{"issuer":"a","serial":1}]}',
      '{"items":[{"issuer":1,"serial":"1"}]}',
      '{"items":[{"issuer":"a","serial":"1","id":null}]}',
      '{"items":[{"issuer":"a","serial":"1","id":true}]}',
      '{"items":[{"issuer":"a","serial":"1","id":{}}]}',
      '{"items":[{"issuer":"a","serial":"1","id":1.5}]}',
      '{"items":[{"issuer":"a","serial":"1","id":1e3}]}',
      '{"items":[{"issuer":"a","serial":"1","id":1E3}]}',
      '{"items":[{"issuer":"a","serial":"1","id":-0}]}',
      '{"items":[{"issuer":"a","serial":"1","id":007}]}',
      '{"items":[{"issuer":"a","serial":"1","id":1234567890123456}]}',
      '{"items":[{"issuer":"a","serial":"1","id":-}]}',
      '{"items":[{"issuer":"a","serial":"\\u0031"}]}',
      '{"items":[{"issuer":"a","serial":"1\\n"}]}',
      '{"items":[{"issuer":"日本","serial":"1"}]}',
      '{"items":[{"issuer":"a","serial":"1","id":"é"}]}',
      '{"items":[{"issuer":"a","serial":"tab\there"}]}',
      '{"\\u0069tems":[]}',
      '{"items":[{"issuer":"a","serial":"1"},]}',
      '{"items":[{"issuer":"a","serial":"1"}',
      '{"items":[{"issuer":"a","serial":"1"}]',
      '{"items":[{"issuer":"a","serial":"1}]}',
      '{"items":[{"issuer":"a" "serial":"1"}]}',
    ];
    for (const body of declined) expect({ body, rows: scan(body) }).toEqual({ body, rows: null });
  });

  it('declines more items than the limit (the route answers 413), and takes exactly the limit', () => {
    const body = (n: number) => JSON.stringify({ items: Array.from({ length: n }, () => ({ issuer: 'a', serial: '1' })) });
    expect(scan(body(3), 3)?.length).toBe(3);
    expect(scan(body(4), 3)).toBeNull();
  });
});
