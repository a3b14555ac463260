// Quick timing of the store (not a test, not the benchmark of record — bench/ holds those):
//   cd packages/store && npm run build && node scripts/timing.mjs [entries=5000000] [redisUrl=redis://127.0.0.1:6379]
// Loads N synthetic JPKI-like entries (serials spread over ~27 bits, reasons 1/3/4/6, one-second dates) into the embedded store
// (with a data directory) and into Redis, then reports load time, Redis used_memory per entry, lookupMany rates and peak RSS.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createRedisStore, openEmbeddedStore, RedisReplica } from '../dist/index.js';

const N = Number(process.argv[2] ?? 5_000_000);
const REDIS_URL = process.argv[3] ?? 'redis://127.0.0.1:6379';
const T0 = Date.UTC(2026, 0, 1) / 1000;
const REASONS = [1, 3, 3, 4, 4, 4, 6, 0];

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MB`;
const rate = (n, ms) => `${(((n / ms) * 1000) / 1e6).toFixed(2)} M/s`;

function feed(loader) {
  // ascending serials with gaps: N entries over ~2^27 serials, as JPKI serials are sequential
  const step = Math.max(1, Math.floor(2 ** 27 / N));
  let s = 0x00100000;
  for (let i = 0; i < N; i++) {
    s += 1 + (((i * 2654435761) >>> 0) % (2 * step - 1));
    loader.add(s, REASONS[i & 7], (T0 + (i % 86400)) * 1000, Number.NaN);
  }
  return s;
}

function probe(count, maxSerial) {
  const a = new Float64Array(count);
  for (let i = 0; i < count; i++) a[i] = 0x00100000 + Math.floor(Math.random() * (maxSerial - 0x00100000));
  return a;
}

async function usedMemory(redis) {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)[1]);
}

const opts = {
  caId: 'timing-ca',
  partition: 'p1',
  crlNumber: 1n,
  thisUpdateMs: Date.now(),
  nextUpdateMs: Date.now() + 86400000,
  isDelta: false,
  source: 'synthetic',
};

// embedded
{
  const dataDir = await mkdtemp(join(tmpdir(), 'jpki-timing-'));
  const store = await openEmbeddedStore({ dataDir });
  let t = performance.now();
  const loader = await store.beginLoad(opts);
  const maxSerial = feed(loader);
  const tAdd = performance.now() - t;
  await loader.commit();
  const tLoad = performance.now() - t;
  let bytes = 0;
  for (const f of await readdir(dataDir)) bytes += (await stat(join(dataDir, f))).size;
  const serials = probe(2_000_000, maxSerial);
  t = performance.now();
  const bulk = store.snapshot('timing-ca').lookupMany(serials);
  const tLookup = performance.now() - t;
  t = performance.now();
  const reopened = await openEmbeddedStore({ dataDir, watch: false });
  const tReopen = performance.now() - t;
  const listed = bulk.reasonCodes.reduce((n, r) => n + (r >= 0 ? 1 : 0), 0);
  console.log(
    `embedded: ${N} entries: add loop ${tAdd.toFixed(0)} ms, add+commit+fsync ${tLoad.toFixed(0)} ms (${rate(N, tLoad)}), snapshot file ${mb(bytes)} (${(bytes / N).toFixed(2)} B/entry), reopen ${tReopen.toFixed(0)} ms`,
  );
  console.log(`embedded: lookupMany 2M random serials in ${tLookup.toFixed(0)} ms (${rate(2e6, tLookup)}), ${listed} listed`);
  await reopened.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}

// redis
{
  const prefix = `timing-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL);
  const store = createRedisStore({ redis, prefix });
  const before = await usedMemory(redis);
  let t = performance.now();
  const loader = await store.beginLoad(opts);
  const maxSerial = feed(loader);
  await loader.commit();
  const tLoad = performance.now() - t;
  const used = (await usedMemory(redis)) - before;
  const chunkKeys = await store.chunkKeys('timing-ca', 'current');
  let listedBytes = 0;
  let reasonBytes = 0;
  for (const k of chunkKeys.values()) {
    listedBytes += await redis.strlen(k.listed);
    for (const c of [0, 1, 2, 3, 4, 5, 6, 9, 10]) reasonBytes += await redis.strlen(k.reason(c));
  }
  const bitmaps = listedBytes + reasonBytes;
  console.log(
    `redis: ${N} entries loaded in ${tLoad.toFixed(0)} ms (${rate(N, tLoad)}); used_memory +${mb(used)} = bitmaps ${mb(bitmaps)} + ${((used - bitmaps) / N).toFixed(2)} B/entry`,
  );
  const serials = probe(2_000_000, maxSerial);
  const cold = createRedisStore({ redis, prefix });
  t = performance.now();
  await cold.lookupMany('timing-ca', serials);
  const tCold = performance.now() - t;
  t = performance.now();
  await cold.lookupMany('timing-ca', serials);
  const tWarm = performance.now() - t;
  console.log(
    `redis: lookupMany 2M serials: cold (range reads of every chunk) ${tCold.toFixed(0)} ms (${rate(2e6, tCold)}), warm chunk cache ${tWarm.toFixed(0)} ms (${rate(2e6, tWarm)})`,
  );
  t = performance.now();
  for (let i = 0; i < 2000; i++) await cold.lookup('timing-ca', BigInt(serials[i]));
  console.log(`redis: single lookups (2 round trips each): ${(((performance.now() - t) / 2000) * 1000).toFixed(0)} µs each`);
  const replicaStore = createRedisStore({ redis: REDIS_URL, prefix });
  t = performance.now();
  const replica = await new RedisReplica(replicaStore).start();
  console.log(`redis: replica start (whole CA into memory) ${(performance.now() - t).toFixed(0)} ms`);
  await replica.close();
  await replicaStore.close();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  await store.close();
  await cold.close();
  await redis.quit();
}

clearInterval(sampler);
console.log(`peak RSS ${mb(peakRss)}`);
