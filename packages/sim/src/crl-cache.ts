import { access, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@jpki-validator/files';
import { SimUsageError } from './errors.js';
import type { PartitionBundle } from './options.js';
import type { Simulator } from './simulator.js';

/** A CRL ready to serve: a byte range of a file, with its validators. */
export interface CachedCrl {
  file: string;
  offset: number;
  bytes: number;
  /** `"<ca>-<scope>-<number>"` */
  etag: string;
  /** thisUpdate */
  lastModified: Date;
}

/** What the server keeps of a partition bundle: its file and each partition's place and validators. */
interface BundleIndex {
  caId: string;
  version: number;
  fingerprint: string;
  file: string;
  partitions: { partition: string; crlNumber: string; thisUpdate: string; offset: number; bytes: number }[];
}

const PARTITION_SCOPE = /^p(\d{4,})$/;

/**
 * The server's CRL files, under `<dir>/crl-cache/<ca>/`, written on first request and reused until the state changes:
 * - a partition of the current generation comes from `partitions-<version>-<fp>.bin`, every partition CRL of the CA back to
 *   back, written by `writePartitionBundle` in two walks of the CA (not two per partition), with `partitions-<version>-<fp>.json`
 *   its index (so a restarted server does not rewrite it);
 * - a full CRL or a delta is one file per CRL number, `<scope>-<number>-<fp>.crl`.
 * `<fp>` is the simulator's cache fingerprint (CA key, seed, epoch, base URL). Older files of a scope are removed once the new
 * one is complete; concurrent requests for a CRL not yet written share one writer.
 */
export function createCrlCache(sim: Simulator) {
  const pending = new Map<string, Promise<unknown>>();
  const bundles = new Map<string, BundleIndex>();

  /** Runs `job` once for `key` while it is pending; every caller awaits the same run. */
  function shared<T>(key: string, job: () => Promise<T>): Promise<T> {
    let run = pending.get(key) as Promise<T> | undefined;
    if (!run) {
      run = job().finally(() => pending.delete(key));
      pending.set(key, run);
    }
    return run;
  }

  async function bundleIndex(caId: string): Promise<BundleIndex> {
    const version = sim.version;
    const fingerprint = sim.cacheFingerprint(caId);
    const known = bundles.get(caId);
    if (known?.version === version && known.fingerprint === fingerprint) return known;
    const dir = join(sim.dir, 'crl-cache', caId);
    const indexFile = join(dir, `partitions-${version}-${fingerprint}.json`);
    const index = await readIndex(indexFile, caId, version, fingerprint).catch(() =>
      shared(indexFile, async () => {
        const bundle = await sim.writePartitionBundle({ ca: caId, out: join(dir, `partitions-${version}-${fingerprint}.bin`) });
        // The bundle may have been written at a newer state than asked for (another process changed it meanwhile): it is kept
        // under its own version, and the fingerprint of the time it was asked for is only trusted if it still holds.
        const written = toIndex(bundle, sim.cacheFingerprint(caId));
        const keep = `partitions-${written.version}-${written.fingerprint}.`;
        const file = join(dir, `${keep}json`);
        await writeFileAtomic(file, JSON.stringify(written), { durable: false });
        await pruneOlder(dir, /^partitions-\d+-[0-9a-f]+\.(bin|json)$/, keep);
        return written;
      }),
    );
    bundles.set(caId, index);
    return index;
  }

  async function partitionCrl(caId: string, scope: string): Promise<CachedCrl> {
    const ca = sim.resolveCa(caId).ca;
    const index = Number(PARTITION_SCOPE.exec(scope)?.[1] ?? Number.NaN);
    if (!(index < ca.partitions)) throw new SimUsageError('SIM_UNKNOWN_PARTITION', `${caId} has no partition ${JSON.stringify(scope)}`);
    const bundle = await bundleIndex(ca.id);
    const part = bundle.partitions[index];
    if (!part) throw new SimUsageError('SIM_UNKNOWN_PARTITION', `${caId} has no partition ${JSON.stringify(scope)}`);
    return {
      file: bundle.file,
      offset: part.offset,
      bytes: part.bytes,
      etag: `"${caId}-${part.partition}-${part.crlNumber}"`,
      lastModified: new Date(part.thisUpdate),
    };
  }

  async function singleCrl(caId: string, partition: string | undefined, delta: boolean): Promise<CachedCrl> {
    const opts = { ca: caId, ...(partition ? { partition } : {}), ...(delta ? { delta: true } : {}) };
    const info = sim.describeCrl(opts);
    const name = `${partition ?? 'full'}${delta ? '-delta' : ''}`;
    const dir = join(sim.dir, 'crl-cache', caId);
    const keep = `${name}-${info.crlNumber}-${sim.cacheFingerprint(caId)}.crl`;
    const file = join(dir, keep);
    try {
      await access(file);
    } catch {
      await shared(file, async () => {
        await sim.writeCrl({ ...opts, out: file });
        await pruneOlder(dir, new RegExp(`^${name}-\\d+-[0-9a-f]+\\.crl$`), keep);
      });
    }
    const { size } = await stat(file);
    return { file, offset: 0, bytes: size, etag: `"${caId}-${name}-${info.crlNumber}"`, lastModified: info.thisUpdate };
  }

  return {
    /** The CRL of `scope` (`full` or `pNNNN`) of a CA, or its delta. */
    crl(caId: string, scope: string, delta: boolean): Promise<CachedCrl> {
      if (scope !== 'full' && !delta) return partitionCrl(caId, scope);
      return singleCrl(caId, scope === 'full' ? undefined : scope, delta);
    },
  };
}

function toIndex(bundle: PartitionBundle, fingerprint: string): BundleIndex {
  return {
    caId: bundle.caId,
    version: bundle.version,
    fingerprint,
    file: bundle.file,
    partitions: bundle.partitions.map((p) => ({
      partition: p.partition ?? '',
      crlNumber: p.crlNumber,
      thisUpdate: p.thisUpdate.toISOString(),
      offset: p.offset,
      bytes: p.bytes,
    })),
  };
}

async function readIndex(file: string, caId: string, version: number, fingerprint: string): Promise<BundleIndex> {
  const index = JSON.parse(await readFile(file, 'utf8')) as BundleIndex;
  if (index.caId !== caId || index.version !== version || index.fingerprint !== fingerprint || !Array.isArray(index.partitions))
    throw new Error(`stale index ${file}`);
  await access(index.file);
  return index;
}

/** Removes the files of `dir` matching `pattern` except those starting with `keep`. */
async function pruneOlder(dir: string, pattern: RegExp, keep: string): Promise<void> {
  const older = (await readdir(dir)).filter((f) => pattern.test(f) && !f.startsWith(keep));
  await Promise.all(older.map((f) => rm(join(dir, f), { force: true })));
}
