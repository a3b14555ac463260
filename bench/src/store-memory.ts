// Benchmark (issue 11 #4, "memory"): the revocation store at national shape — N entries in P partitions of Zipf-like sizes,
// serials spread over a ~27-bit range (each partition's over all of it, as J-LIS's municipalities are) — through the store's own
// loader (no CRL parsing: the store alone), into Redis (a private redis-server) and the embedded store:
//   memory     Redis INFO used_memory and MEMORY USAGE per entry; a validator's copy (RedisReplica's merged set) and the
//              embedded store's set per entry, split into what the serial range costs (bitmaps, rank index: fixed) and what the
//              entries cost, with the extrapolation to --extrapolate entries; the embedded store's files per entry;
//   cold load  every partition loaded once: store time per partition, and how it grows with the partition (not the CA);
//   daily      --changed of the partitions switch again with --new-per-partition new entries each: per switch, the writer's commit
//              (Redis, embedded) and the replica's catch-up, beside the peer: rebuilding the whole CA's set from its runs (what a
//              switch cost before, when every partition switch copied the CA's generation).
// Never run by `npm test`. After `npx turbo run build`, from bench/:
//   node dist/store-memory.js --entries 30000000                       the national size (the coordinator's run)
//   node dist/store-memory.js --entries 1000000 --partitions 1741      a small check
// Options: --entries N --partitions P --bits B (27) --changed F (0.05) --new-per-partition K (10) --extrapolate N (30000000)
//          --seed S --write-results
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createRedisStore,
  openEmbeddedStore,
  RedisReplica,
  RevocationSet,
  type LoadOptions,
  type RevocationStore,
  type SwitchEvent,
} from '@jpki-validator/store';
import { describeMachine } from './lib/machine.js';
import { startPrivateRedis } from './lib/private-redis.js';
import { renderStoreMemory, type StoreMemoryReport, writeStoreMemorySection } from './lib/store-memory-report.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '1741' },
    bits: { type: 'string', default: '27' },
    changed: { type: 'string', default: '0.05' },
    'new-per-partition': { type: 'string', default: '10' },
    extrapolate: { type: 'string', default: '30000000' },
    seed: { type: 'string', default: '20261203' },
    'write-results': { type: 'boolean', default: false },
  },
});
const N = Number(values.entries);
const P = Number(values.partitions);
const BITS = Number(values.bits);
const CHANGED = Number(values.changed);
const NEW_PER_PARTITION = Number(values['new-per-partition']);
const EXTRAPOLATE = Number(values.extrapolate);
const command = `node dist/store-memory.js ${process.argv.slice(2).join(' ')}`.trim();
const log = (text: string) => process.stderr.write(`store-memory: ${text}\n`);
const machine = describeMachine();
const CA = 'jpki-sign-national';
const T0 = Date.UTC(2026, 9, 1) / 1000;
/** JPKI-like reasons: mostly address changes (superseded) and deaths (affiliationChanged), some holds and others */
const REASONS = [4, 4, 4, 4, 3, 3, 6, 1, 5, 0];

// ---- the data: N distinct serials over [2^20, 2^20 + 2^BITS), each in a partition drawn Zipf–Mandelbrot (s = 1, q = 2.7)
let state = Number(values.seed) >>> 0 || 1;
const rnd = (): number => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
};
log(`generating ${N} entries in ${P} partitions over 2^${BITS} serials`);
const cumulative = new Float64Array(P);
let total = 0;
for (let i = 0; i < P; i++) {
  total += 1 / (i + 1 + 2.7);
  cumulative[i] = total;
}
const drawPartition = (): number => {
  const x = rnd() * total;
  let lo = 0;
  let hi = P - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const BASE = 2 ** 20;
const taken = new Uint8Array(2 ** BITS / 8);
const isTaken = (s: number) => ((taken[(s - BASE) >>> 3] as number) & (1 << ((s - BASE) & 7))) !== 0;
const take = (s: number) => {
  taken[(s - BASE) >>> 3] = (taken[(s - BASE) >>> 3] as number) | (1 << ((s - BASE) & 7));
};
const freshSerial = (): number => {
  for (;;) {
    const s = BASE + Math.floor(rnd() * 2 ** BITS);
    if (!isTaken(s)) {
      take(s);
      return s;
    }
  }
};
const owner = new Uint16Array(N);
const serialOf = new Uint32Array(N);
const sizes = new Uint32Array(P);
for (let i = 0; i < N; i++) {
  serialOf[i] = freshSerial();
  const p = drawPartition();
  owner[i] = p;
  sizes[p] = (sizes[p] as number) + 1;
}
// per partition: its serials ascending (a CRL lists them in order)
const starts = new Uint32Array(P + 1);
for (let p = 0; p < P; p++) starts[p + 1] = (starts[p] as number) + (sizes[p] as number);
const bySerial = new Uint32Array(N);
{
  const fill = starts.slice(0, P);
  for (let i = 0; i < N; i++) {
    const p = owner[i] as number;
    bySerial[fill[p] as number] = serialOf[i] as number;
    fill[p] = (fill[p] as number) + 1;
  }
  for (let p = 0; p < P; p++) bySerial.subarray(starts[p], starts[p + 1]).sort();
}
const extra: number[][] = Array.from({ length: P }, () => []);
const partitionName = (p: number) => `p${String(p).padStart(4, '0')}`;

function options(p: number, crlNumber: bigint): LoadOptions {
  return {
    caId: CA,
    partition: partitionName(p),
    crlNumber,
    thisUpdateMs: T0 * 1000,
    nextUpdateMs: (T0 + 86_400) * 1000,
    isDelta: false,
    source: `bench:${partitionName(p)}`,
  };
}

/** loads partition p's CRL (its serials plus those added since); returns the commit's milliseconds */
async function loadPartition(store: RevocationStore, p: number, crlNumber: bigint): Promise<number> {
  const serials = [...bySerial.subarray(starts[p], starts[p + 1]), ...(extra[p] as number[])].sort((a, b) => a - b);
  const loader = await store.beginLoad({ ...options(p, crlNumber), expectedEntries: serials.length });
  for (const s of serials) {
    const h = Math.imul(s, 0x9e3779b1) >>> 0;
    const revoked = (T0 - (h % (5 * 365 * 86_400))) * 1000;
    const inval = h % 50 === 0 ? revoked - 86_400_000 : Number.NaN; // ~2 % carry an invalidityDate, as the simulator's
    loader.add(s, REASONS[h % REASONS.length] as number, revoked, inval);
  }
  const t0 = performance.now();
  await loader.commit();
  return performance.now() - t0;
}

const quantile = (xs: readonly number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
};

/** the partitions the daily refresh changes: every 1/CHANGED-th by size rank, so small and large ones are both there */
const byCount = [...Array(P).keys()].sort((a, b) => (sizes[b] as number) - (sizes[a] as number));
const changedParts = byCount.filter((_, i) => i % Math.max(1, Math.round(1 / CHANGED)) === 0);

const report: StoreMemoryReport = {
  machine,
  command,
  entries: N,
  partitions: P,
  bits: BITS,
  largestPartition: Math.max(...sizes),
  smallestPartition: Math.min(...sizes),
  extrapolateTo: EXTRAPOLATE,
  redis: {
    usedBytes: 0,
    memoryUsageBytes: 0,
    coldMs: [],
    coldSizes: [],
    dailyMs: [],
    dailySizes: [],
    replicaStartMs: 0,
    replicaCatchUpMs: [],
  },
  replicaSet: { rangeBytes: 0, entryBytes: 0, patchBytes: 0 },
  embedded: { diskBytes: 0, coldMs: [], dailyMs: [], set: { rangeBytes: 0, entryBytes: 0, patchBytes: 0 } },
  rebuildMs: 0,
};

// ---- Redis
const redis = await startPrivateRedis();
const fetcherDir = await mkdtemp(join(tmpdir(), 'jpki-bench-fetcher-'));
try {
  // as a fetcher opens it: commits checked against, and recorded in, its local CRL-number record
  const writer = createRedisStore({ redis: redis.url, prefix: 'bench', highWaterFile: join(fetcherDir, 'crl-high-water.json') });
  const before = await redis.usedMemory();
  log(`redis: cold load of ${P} partitions`);
  for (let p = 0; p < P; p++) {
    report.redis.coldMs.push(await loadPartition(writer, p, 1n));
    report.redis.coldSizes.push(sizes[p] as number);
  }
  report.redis.usedBytes = (await redis.usedMemory()) - before;
  let cursor = '0';
  do {
    const [next, keys] = await redis.client.scan(cursor, 'MATCH', 'bench:*', 'COUNT', 1000);
    cursor = next;
    for (const k of keys) report.redis.memoryUsageBytes += (await redis.client.memory('USAGE', k)) ?? 0;
  } while (cursor !== '0');

  log('redis: a validator replica starts (merges every run)');
  const readerStore = createRedisStore({ redis: redis.url, prefix: 'bench' });
  let t0 = performance.now();
  const replica = await new RedisReplica(readerStore, { verifyMs: 0 }).start();
  report.redis.replicaStartMs = performance.now() - t0;
  const snap = replica.snapshot(CA);
  if (snap === null || snap.entryCount !== N) throw new Error(`replica holds ${snap?.entryCount} entries, not ${N}`);

  log(`redis: daily refresh of ${changedParts.length} partitions (+${NEW_PER_PARTITION} entries each)`);
  for (const p of changedParts) for (let k = 0; k < NEW_PER_PARTITION; k++) (extra[p] as number[]).push(freshSerial());
  for (const p of changedParts) {
    const seen = new Promise<number>((resolve) => {
      const off = replica.subscribe((e: SwitchEvent) => {
        if (e.partition === partitionName(p)) {
          off();
          resolve(performance.now());
        }
      });
    });
    const committed = performance.now();
    report.redis.dailyMs.push(await loadPartition(writer, p, 2n));
    report.redis.dailySizes.push((sizes[p] as number) + NEW_PER_PARTITION);
    report.redis.replicaCatchUpMs.push((await seen) - committed);
  }

  report.replicaSet = (replica.snapshot(CA)?.set ?? snap.set).memory;

  log('peer: the whole CA set rebuilt from its runs (what one partition switch cost when it copied the CA)');
  const fresh = createRedisStore({ redis: redis.url, prefix: 'bench' });
  t0 = performance.now();
  await fresh.loadSnapshot(CA);
  report.rebuildMs = performance.now() - t0;
  await fresh.close();
  await replica.close();
  await readerStore.close();
  await writer.close();
} finally {
  await redis.stop();
  await rm(fetcherDir, { recursive: true, force: true });
}

// ---- embedded
const dataDir = await mkdtemp(join(tmpdir(), 'jpki-bench-store-'));
try {
  for (const p of changedParts) (extra[p] as number[]).length = 0;
  const store = await openEmbeddedStore({ dataDir, watch: false });
  log(`embedded: cold load of ${P} partitions`);
  for (let p = 0; p < P; p++) report.embedded.coldMs.push(await loadPartition(store, p, 1n));
  for (const p of changedParts) for (let k = 0; k < NEW_PER_PARTITION; k++) (extra[p] as number[]).push(freshSerial());
  log(`embedded: daily refresh of ${changedParts.length} partitions`);
  for (const p of changedParts) report.embedded.dailyMs.push(await loadPartition(store, p, 2n));
  report.embedded.set = (store.snapshot(CA)?.set ?? new RevocationSet(20)).memory;
  report.embedded.diskBytes = await duBytes(dataDir);
  await store.close();
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

async function duBytes(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    n += entry.isDirectory() ? await duBytes(path) : (await stat(path)).size;
  }
  return n;
}

const text = renderStoreMemory(report, quantile);
process.stdout.write(text);
if (values['write-results']) {
  await writeStoreMemorySection(new URL('../RESULTS.md', import.meta.url), text);
  log('bench/RESULTS.md updated');
}
