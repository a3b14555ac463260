// The bare reference for the Validator API benchmarks (issue 5): a Hono app on @hono/node-server with nothing but the two routes
// the validator is compared on, in its own process.
//   GET  /v1/status/:issuer/:serial  a constant JSON object (a `good` status answer of the contract's shape and size, built once
//                                     and serialised by c.json per request, as the validator's route does)
//   POST /v1/status/batch            a JSON echo: parse the body, return it with c.json (the batch target's "bare echo")
// Prints {"url":…} once listening; SIGTERM closes it.
// Usage: node dist/api-bare-server.js [PORT]
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.argv[2] ?? 0);
const CONSTANT_ANSWER = Object.freeze({
  issuer: 'jpki-sign-2023',
  caId: 'jpki-sign-2023',
  serial: '07000001',
  status: 'good',
  reason: null,
  meaning: null,
  revokedAt: null,
  invalidityDate: null,
  source: 'crl',
  crl: { number: '1', thisUpdate: '2026-11-24T02:00:00Z', nextUpdate: '2026-11-26T02:00:00Z', stale: false },
  checkedAt: '2026-11-24T03:00:00Z',
});

const app = new Hono();
app.get('/v1/status/:issuer/:serial', (c) => c.json(CONSTANT_ANSWER));
app.post('/v1/status/batch', async (c) => c.json(await c.req.json<unknown>()));

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
});
