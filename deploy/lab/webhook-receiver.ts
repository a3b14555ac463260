/**
 * The lab's webhook sink: checks each POST's X-Signature (HMAC-SHA256 of "<t>.<body>", docs/watch.md) and appends every
 * event as one JSON line to the events file, so a scenario can count deliveries per eventId. A bad signature is a 401 and logged.
 *
 *   node deploy/lab/webhook-receiver.ts PORT EVENTS_FILE SECRET
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [portText, eventsFile, secret] = process.argv.slice(2);
if (portText === undefined || eventsFile === undefined || secret === undefined) {
  process.stderr.write('usage: webhook-receiver.ts PORT EVENTS_FILE SECRET\n');
  process.exit(2);
}

function signedBy(header: string | undefined, body: Buffer): boolean {
  const t = /(?:^|,)t=(\d+)/.exec(header ?? '')?.[1];
  const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header ?? '')?.[1];
  if (t === undefined || v1 === undefined) return false;
  const expected = createHmac('sha256', secret as string)
    .update(`${t}.`)
    .update(body)
    .digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const signature = req.headers['x-signature'];
    if (req.method !== 'POST' || !signedBy(Array.isArray(signature) ? signature[0] : signature, body)) {
      process.stderr.write(`refused ${req.method} ${req.url}: bad or missing X-Signature\n`);
      res.writeHead(401).end();
      return;
    }
    const { events } = JSON.parse(body.toString('utf8')) as { events: unknown[] };
    const receivedAt = new Date().toISOString();
    appendFileSync(eventsFile as string, events.map((e) => `${JSON.stringify({ receivedAt, event: e })}\n`).join(''));
    res.writeHead(204).end();
  });
});
server.listen(Number(portText), '127.0.0.1', () => process.stderr.write(`webhook receiver on 127.0.0.1:${portText}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
