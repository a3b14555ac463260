/**
 * The NDJSON batch, streamed both ways over one HTTP/1.1 request: `items` lines (the benchmark's serials, cycled) written with
 * back-pressure while the answer lines are read and counted as they arrive. Time runs from the first byte sent to the last byte
 * received. The input is generated a slice at a time, so the client holds only one slice and the answers' tail.
 */
import { request } from 'node:http';

export interface NdjsonRun {
  items: number;
  seconds: number;
  itemsPerSecond: number;
  bytesSent: number;
  bytesReceived: number;
  /** answers per status, counted from the lines received (a wrong answer must not pass for a fast one) */
  statuses: Record<string, number>;
}

const SLICE_ITEMS = 5_000;

export async function runNdjsonBatch(url: string, issuer: string, serials: readonly string[], items: number): Promise<NdjsonRun> {
  const lines = serials.map((serial) => `${JSON.stringify({ issuer, serial })}\n`);
  const statuses: Record<string, number> = {};
  let bytesSent = 0;
  let bytesReceived = 0;
  let answers = 0;
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const req = request(`${url}/v1/status/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`NDJSON batch answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        bytesReceived += Buffer.byteLength(chunk);
        const text = tail + chunk;
        let from = 0;
        for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
          // the status is read from every line without parsing it whole: `"status":"good"` appears once per answer
          const at = text.indexOf('"status":"', from);
          const status = at !== -1 && at < nl ? text.slice(at + 10, text.indexOf('"', at + 10)) : 'none';
          statuses[status] = (statuses[status] ?? 0) + 1;
          answers++;
          from = nl + 1;
        }
        tail = text.slice(from);
      });
      res.on('end', () => (answers === items ? resolve() : reject(new Error(`sent ${items} items, got ${answers} answer lines`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    let sent = 0;
    const writeMore = (): void => {
      while (sent < items) {
        let slice = '';
        const end = Math.min(items, sent + SLICE_ITEMS);
        for (let i = sent; i < end; i++) slice += lines[i % lines.length];
        sent = end;
        bytesSent += Buffer.byteLength(slice);
        if (!req.write(slice)) {
          req.once('drain', writeMore);
          return;
        }
      }
      req.end();
    };
    writeMore();
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { items, seconds, itemsPerSecond: items / seconds, bytesSent, bytesReceived, statuses };
}
