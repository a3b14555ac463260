/**
 * The embedded store's SmallKv, kept in `<dataDir>/kv/` so what it holds outlives the process: the fetcher's conditional-GET
 * validators (a restarted `fetch --once` then costs one 304, not a download) and cached OCSP answers (each a paid query).
 * One file per key, written atomically (temp + rename): `[expiresAtMs as float64][value]`. Any process sharing the data
 * directory sees the same values; the last writer of a key wins, which is what a cache and a validator record need.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@jpki-validator/files';
import type { GroupSync } from '../files/group-sync.js';
import type { SmallKv } from '../types.js';

export class FileKv implements SmallKv {
  private readonly dir: string;
  private ready: Promise<void> | null = null;
  private readonly groupSync: GroupSync | null;

  /**
   * groupSync: values are renamed into place at once (readers see them whole) and fsynced in groups a moment later (the
   * store's, flushed on close) — the fetcher writes one per partition it loads, and two fsyncs each held up its commits in the
   * thread pool. Without it each set is fsynced before it resolves.
   */
  constructor(dataDir: string, groupSync: GroupSync | null = null) {
    this.dir = join(dataDir, 'kv');
    this.groupSync = groupSync;
  }

  async get(key: string): Promise<Uint8Array | null> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    if (bytes.length < 8) return null; // torn by something other than us: treat as absent
    if (bytes.readDoubleLE(0) <= Date.now()) {
      await unlink(this.path(key)).catch(() => undefined);
      return null;
    }
    return new Uint8Array(bytes.subarray(8));
  }

  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    await this.ready;
    const head = Buffer.alloc(8);
    head.writeDoubleLE(ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs);
    if (this.groupSync === null) await writeFileAtomic(this.path(key), [head, value]);
    else {
      await writeFileAtomic(this.path(key), [head, value], { durable: false });
      this.groupSync.mark(this.path(key));
    }
  }

  /**
   * rename(2) is atomic on one filesystem: of several processes renaming the same file, exactly one succeeds and the others get
   * ENOENT. The winner then reads and removes its private copy.
   */
  async take(key: string): Promise<Uint8Array | null> {
    const claimed = `${this.path(key)}.${process.pid}.${randomBytes(4).toString('hex')}.taken`;
    try {
      await rename(this.path(key), claimed);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const bytes = await readFile(claimed);
    await unlink(claimed).catch(() => undefined);
    if (bytes.length < 8 || bytes.readDoubleLE(0) <= Date.now()) return null;
    return new Uint8Array(bytes.subarray(8));
  }

  async delete(key: string): Promise<void> {
    await unlink(this.path(key)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  private path(key: string): string {
    return join(this.dir, encodeURIComponent(key));
  }
}
