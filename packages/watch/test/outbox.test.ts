/** The embedded webhook outbox: processes sharing a data directory deliver each batch once. */
import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookOutbox, verifySignature, type WatchEvent } from '../src/index.js';

const SECRET = 'outbox-test-secret-0123456789';
let server: Server;
let url = '';
let up = true;
const received: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (!up) return res.writeHead(503).end();
      expect(verifySignature(body, String(req.headers['x-signature']), SECRET)).toBe(true);
      // Slow enough that two deliverers overlap on the same batch if nothing stops them.
      setTimeout(() => {
        received.push(...(JSON.parse(body) as { events: WatchEvent[] }).events.map((e) => e.eventId));
        res.writeHead(204).end();
      }, 30);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise((r) => server.close(r)));

const event = (n: number): WatchEvent =>
  ({
    eventId: `e${n}`,
    type: 'revoked',
    customerId: `C-${n}`,
    issuer: 'jpki-sign',
    caId: 'jpki-sign-2023',
    serial: n.toString(16),
    reason: 'affiliationChanged',
    meaning: 'death_or_emigration',
    revokedAt: '2026-11-01T00:00:00Z',
    crlNumber: '2',
    detectedAt: '2026-11-24T00:00:00Z',
  }) as WatchEvent;

describe('WebhookOutbox', () => {
  it('two deliverers on one directory POST each batch exactly once; a receiver that is down keeps them waiting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jv-outbox-'));
    const sinks = [{ webhook: url, secret: SECRET }];
    const batches = Array.from({ length: 6 }, (_, i) => ({ batchId: `b${i}`, url, events: [event(i)] }));
    await new WebhookOutbox(dir).stage(batches);
    // staged batches are not deliverable yet
    expect(await new WebhookOutbox(dir).deliverPending(sinks)).toMatchObject({ delivered: 0, pending: 0 });
    await new WebhookOutbox(dir).publish(batches);
    up = false;
    const down = await new WebhookOutbox(dir).deliverPending(sinks);
    expect(down).toMatchObject({ delivered: 0, pending: 6 });
    up = true;
    received.length = 0;
    const [a, b] = await Promise.all([new WebhookOutbox(dir).deliverPending(sinks), new WebhookOutbox(dir).deliverPending(sinks)]);
    expect(a.delivered + b.delivered).toBe(6);
    expect(received.sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
    expect(await readdir(dir)).toEqual([]);
    // publishing again (a delivery resumed after a crash) does not bring a delivered batch back
    await new WebhookOutbox(dir).publish(batches);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a batch claimed by a process that died is delivered by the next one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jv-outbox-'));
    const orphan = [{ batchId: 'orphan', url, events: [event(42)] }];
    await new WebhookOutbox(dir).stage(orphan);
    await new WebhookOutbox(dir).publish(orphan);
    const child = execFile(process.execPath, ['-e', '0']);
    await new Promise((r) => child.on('exit', r));
    await rename(join(dir, 'orphan.json'), join(dir, `orphan.json.sending-${child.pid ?? 0}`));
    received.length = 0;
    const report = await new WebhookOutbox(dir).deliverPending([{ webhook: url, secret: SECRET }]);
    expect(report.delivered).toBe(1);
    expect(received).toEqual(['e42']);
  });
});
