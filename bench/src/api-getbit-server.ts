// The status API target's naive reference: a Hono app answering GET /v1/status/:issuer/:serial with ONE ioredis GETBIT
// per request on a listed bitmap of the CA's current generation in Redis, in its own process. The store keeps runs per
// partition, not bitmaps (packages/store/README.md), so at start-up the CA's merged set is read once and its listed bitmaps are
// written under `<prefix>:naive:<chunkNo>` — the bitmaps a naive store would keep. ioredis with its defaults (no auto-pipelining), as the naive way would.
// The answer is the contract's shape with status good/revoked (no reason or dates: that would take more round trips).
// Prints {"url":…,"chunks":N} once listening; SIGTERM closes it.
// Usage: node dist/api-getbit-server.js REDIS_PREFIX CA_ID [REDIS_URL]
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createRedisStore, DEFAULT_CHUNK_BITS } from '@jpki-validator/store';
import { parseSerial } from '@jpki-validator/x509';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { arg } from './lib/child-report.js';

const prefix = arg(0, 'Redis key prefix');
const caId = arg(1, 'CA id');
const redis = new Redis(process.argv[4] ?? 'redis://127.0.0.1:6379');

const store = createRedisStore({ redis, prefix });
const snapshot = await store.loadSnapshot(caId);
if (snapshot === null) throw new Error(`nothing stored for ${caId} under ${prefix}: load the CRL first`);
const listedKeyByChunk = new Map<number, string>();
for (const [chunkNo, chunk] of snapshot.chunks) {
  const key = `${prefix}:naive:${chunkNo}`;
  await redis.set(key, Buffer.from(chunk.listed.buffer, chunk.listed.byteOffset, chunk.listed.byteLength));
  listedKeyByChunk.set(chunkNo, key);
}
if (listedKeyByChunk.size === 0) throw new Error(`no chunks for ${caId}: load the CRL first`);
const chunkMask = 2 ** DEFAULT_CHUNK_BITS - 1;

const app = new Hono();
app.get('/v1/status/:issuer/:serial', async (c) => {
  const serial = Number(parseSerial(c.req.param('serial')));
  const key = listedKeyByChunk.get(Math.floor(serial / 2 ** DEFAULT_CHUNK_BITS));
  const listed = key === undefined ? 0 : await redis.getbit(key, serial & chunkMask);
  return c.json({
    issuer: c.req.param('issuer'),
    caId,
    serial: c.req.param('serial'),
    status: listed === 1 ? 'revoked' : 'good',
    reason: null,
    meaning: null,
    revokedAt: null,
    invalidityDate: null,
    source: 'crl',
    crl: null,
    checkedAt: new Date().toISOString(),
  });
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}`, chunks: listedKeyByChunk.size })}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
  redis.disconnect();
});
