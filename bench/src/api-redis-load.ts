// Puts the API benchmark's CRL into Redis the way the fetcher does (services/crl-fetcher ingestCrl: streaming scan with the
// signature checked → hidden generation → atomic switch), under REDIS_PREFIX, as partition PARTITION of CA_ID. Its own process,
// so the load's memory is not the benchmark driver's. Prints a child report (work seconds, entries, CRL number).
// Usage: node dist/api-redis-load.js CRL_FILE CA_CERT CA_ID PARTITION REDIS_PREFIX [REDIS_URL]
import { createFileSource, ingestCrl, loadTrustedCa } from '@jpki-validator/crl-fetcher';
import { createRedisStore } from '@jpki-validator/store';
import { crlSlot, DEFAULT_FETCH_TUNING } from '@jpki-validator/config';
import { arg, printReport, secondsSince } from './lib/child-report.js';

const crlFile = arg(0, 'CRL file');
const caCertPath = arg(1, 'CA certificate');
const caId = arg(2, 'CA id');
const partitionName = arg(3, 'partition');
const prefix = arg(4, 'Redis key prefix');
const redisUrl = process.argv[7] ?? 'redis://127.0.0.1:6379';

// the benchmark's CRL is the CA's full CRL (no distribution point)
const slot = crlSlot({ name: partitionName, source: crlFile, scope: 'full' });
const ca = await loadTrustedCa({
  id: caId,
  group: caId.replace(/-\d+$/, ''),
  caCertPath,
  partitions: [slot],
  fetch: { ...DEFAULT_FETCH_TUNING },
  ocsp: null,
  refresh: { intervalMs: 86_400_000 },
  freshness: { graceSeconds: 0, skewSeconds: 300 },
  mode: 'crl-first',
  retired: false,
  kind: null,
});
const store = createRedisStore({ redis: redisUrl, prefix });
try {
  const start = process.hrtime.bigint();
  const result = await ingestCrl({
    store,
    ca,
    partition: slot,
    source: createFileSource({ path: crlFile }),
    skewSeconds: 300,
  });
  const workSeconds = secondsSince(start);
  if (result.outcome !== 'loaded') throw new Error(`expected a load, got ${result.outcome}`);
  printReport(workSeconds, { entries: result.entries, bytes: result.bytes, crlNumber: result.crlNumber.toString(), prefix });
} finally {
  await store.close();
}
