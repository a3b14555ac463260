// The CRL fetcher's ingest of one CRL into a store, end to end: source → streaming scan with signature check → hidden
// generation → atomic switch (serving). `embedded`: from the file into the embedded store with a data directory (snapshot
// written). `redis`: over HTTP (a loopback static server with ETag, so the fetch is a real conditional GET) into the Redis
// store under a fresh prefix, then a second fetch of the unchanged CRL (expected: one 304, no load), then the generation's
// Redis memory (MEMORY USAGE summed over its keys) and the prefix deleted.
// Usage: node dist/subjects/fetch-load-store.js embedded|redis CRL_FILE CA_CERT [REDIS_URL]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createFileSource, createHttpSource, ingestCrl, loadTrustedCa, type CrlSource } from '@jpki-validator/crl-fetcher';
import { createRedisStore, openEmbeddedStore, type RevocationStore } from '@jpki-validator/store';
import { arg, printReport, secondsSince } from '../lib/child-report.js';

const kind = arg(0, 'embedded|redis');
const crlFile = arg(1, 'CRL file');
const caCert = arg(2, 'CA certificate');
const redisUrl = process.argv[5] ?? 'redis://127.0.0.1:6379';
const ca = await loadTrustedCa({
  id: 'jpki-sign-2023', group: 'jpki-sign', caCertPath: caCert, partitions: [], ocsp: null, refresh: { intervalMs: 86_400_000 },
  freshness: { graceSeconds: 0, skewSeconds: 300 }, mode: 'crl-only', retired: false, kind: 'sign',
});
const partition = { name: 'full', source: crlFile };
const ingest = (store: RevocationStore, source: CrlSource) => ingestCrl({ store, ca, partition, source, skewSeconds: 300 });

if (kind === 'embedded') {
  const dataDir = mkdtempSync(join(tmpdir(), 'jpki-bench-embedded-'));
  const store = await openEmbeddedStore({ dataDir, watch: false });
  const start = process.hrtime.bigint();
  const result = await ingest(store, createFileSource({ path: crlFile }));
  const workSeconds = secondsSince(start);
  if (result.outcome !== 'loaded') throw new Error(`expected a load, got ${result.outcome}`);
  const snapshotBytes = statSync(join(dataDir, 'ca-jpki-sign-2023.snap')).size;
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  printReport(workSeconds, { entries: result.entries, bytes: result.bytes, crlNumber: result.crlNumber.toString(), snapshotBytes });
} else if (kind === 'redis') {
  // The CRL is served from another process, so this process's peak RSS is the fetcher's alone.
  const server = spawn(process.execPath, [fileURLToPath(new URL('./static-crl-server.js', import.meta.url)), crlFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
  const { url } = JSON.parse(line) as { url: string };
  let servedText = '';
  server.stderr.on('data', (chunk: Buffer) => (servedText += chunk.toString('utf8')));
  const prefix = `jpki-bench-${randomBytes(4).toString('hex')}`;
  const store = await createRedisStore({ redis: redisUrl, prefix });
  const redis = new Redis(redisUrl);
  let report: { workSeconds: number; fields: Record<string, string | number> } | undefined;
  try {
    const start = process.hrtime.bigint();
    const result = await ingest(store, createHttpSource({ url }));
    const workSeconds = secondsSince(start);
    if (result.outcome !== 'loaded') throw new Error(`expected a load, got ${result.outcome}`);
    const again = process.hrtime.bigint();
    const second = await ingest(store, createHttpSource({ url }));
    const secondSeconds = secondsSince(again);
    let generationBytes = 0;
    let keys = 0;
    for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      for (const key of batch) {
        generationBytes += (await redis.memory('USAGE', key)) ?? 0;
        keys++;
      }
    }
    report = {
      workSeconds,
      fields: { entries: result.entries, bytes: result.bytes, crlNumber: result.crlNumber.toString(), secondOutcome: second.outcome, secondSeconds, generationBytes, keys },
    };
  } finally {
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    await redis.quit();
    await store.close();
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  const served = JSON.parse(servedText.trim() || '{}') as { full?: number; notModified?: number };
  printReport(report.workSeconds, { ...report.fields, requestsFull: served.full ?? -1, requestsNotModified: served.notModified ?? -1 });
} else {
  throw new Error(`unknown subject ${kind}: embedded or redis`);
}
