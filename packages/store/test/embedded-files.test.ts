/** Embedded-only behaviour: the snapshot file, the writer lock. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLockFile } from '@jpki-validator/files';
import { openEmbeddedStore } from '../src/embedded/embedded-store.js';
import type { LoadOptions } from '../src/types.js';

const T0 = Date.UTC(2026, 0, 1);
const opts: LoadOptions = {
  caId: 'jpki-sign-2023',
  partition: 'p1',
  crlNumber: 1n,
  thisUpdateMs: T0,
  nextUpdateMs: null,
  isDelta: false,
  source: 't',
};

describe('embedded store files', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jpki-store-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps kv values across a restart and between processes sharing the directory; expiry still applies', async () => {
    const first = await openEmbeddedStore({ dataDir });
    await first.kv.set('fetch-state:jpki-sign-2023:p/1', new TextEncoder().encode('{"etag":"v1"}'));
    await first.kv.set('ocsp:short', Uint8Array.of(1), 30);
    const second = await openEmbeddedStore({ dataDir });
    expect(new TextDecoder().decode((await second.kv.get('fetch-state:jpki-sign-2023:p/1')) ?? new Uint8Array())).toBe('{"etag":"v1"}');
    await first.close();
    const reopened = await openEmbeddedStore({ dataDir });
    expect(await reopened.kv.get('fetch-state:jpki-sign-2023:p/1')).not.toBeNull();
    await new Promise((r) => setTimeout(r, 40));
    expect(await reopened.kv.get('ocsp:short')).toBeNull();
    await reopened.kv.delete('fetch-state:jpki-sign-2023:p/1');
    expect(await second.kv.get('fetch-state:jpki-sign-2023:p/1')).toBeNull();
    await second.close();
    await reopened.close();
  });

  it('breaks the lock of a writer that died', async () => {
    // a real pid that no longer exists: a child that has exited
    const child = execFile(process.execPath, ['-e', '0']);
    const pid = child.pid ?? 0;
    await new Promise((r) => child.on('exit', r));
    await writeFile(join(dataDir, 'writer.lock'), `${pid} deadbeef`);
    const store = await openEmbeddedStore({ dataDir, lockTimeoutMs: 2000 });
    const loader = await store.beginLoad(opts);
    loader.add(1, 1, T0, Number.NaN);
    expect((await loader.commit()).outcome).toBe('switched');
    await store.close();
  });

  it('waits for a live writer and times out with LOCK_TIMEOUT', async () => {
    const release = await acquireLockFile(join(dataDir, 'writer.lock'), { timeoutMs: 1000, timeoutError: () => new Error('held') });
    const store = await openEmbeddedStore({ dataDir, lockTimeoutMs: 150 });
    const loader = await store.beginLoad(opts);
    await expect(loader.commit()).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });
    await release();
    await store.close();
  });

  it('a damaged run file is refused naming the file and byte offset', async () => {
    const store = await openEmbeddedStore({ dataDir });
    const loader = await store.beginLoad(opts);
    for (let i = 0; i < 100; i++) loader.add(i * 11, 1, T0, Number.NaN);
    await loader.commit();
    await store.close();
    const file = join(dataDir, 'cas', 'jpki-sign-2023', 'runs', 'p1.run');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 10));
    await expect(openEmbeddedStore({ dataDir })).rejects.toThrow(/p1\.run: run of 100 entries should be \d+ bytes, is \d+ at byte 8/);
  });

  it('a run older than the CRL accepted (a crash lost its last switch) serves as stale until loaded again, and is reported', async () => {
    const store = await openEmbeddedStore({ dataDir });
    const load = async (crlNumber: bigint, serials: number[]): Promise<void> => {
      const loader = await store.beginLoad({ ...opts, crlNumber, nextUpdateMs: T0 + 86_400_000 });
      for (const s of serials) loader.add(s, 1, T0, Number.NaN);
      await loader.commit();
    };
    await load(5n, [1]);
    const run = join(dataDir, 'cas', 'jpki-sign-2023', 'runs', 'p1.run');
    const older = await readFile(run);
    await load(6n, [1, 2]);
    await store.close();
    // what a power loss before the group fsync can leave: the previous run back in place, the record already raised
    await writeFile(run, older);
    const losses: string[] = [];
    const reopened = await openEmbeddedStore({ dataDir, onDataLoss: (n) => losses.push(n.detail) });
    try {
      const meta = await reopened.partitionMeta('jpki-sign-2023', 'p1');
      expect(meta).toMatchObject({ crlNumber: 5n, nextUpdateMs: null });
      expect(losses).toEqual([expect.stringContaining('older CRL than the one accepted')]);
      // the fetcher loads the partition again: its newest CRL, fresh again
      const loader = await reopened.beginLoad({ ...opts, crlNumber: 6n, nextUpdateMs: T0 + 86_400_000 });
      loader.add(2, 1, T0, Number.NaN);
      expect(await loader.commit()).toMatchObject({ outcome: 'switched' });
      expect(await reopened.partitionMeta('jpki-sign-2023', 'p1')).toMatchObject({ crlNumber: 6n, nextUpdateMs: T0 + 86_400_000 });
    } finally {
      await reopened.close();
    }
  });

  it("a switch writes its partition's run file only: the other partitions' files are not touched", async () => {
    const store = await openEmbeddedStore({ dataDir });
    const load = async (partition: string, crlNumber: bigint, serials: number[]): Promise<void> => {
      const loader = await store.beginLoad({ ...opts, partition, crlNumber });
      for (const s of serials) loader.add(s, 1, T0, Number.NaN);
      await loader.commit();
    };
    await load('p1', 1n, [1, 2 ** 21]);
    await load('p2', 1n, [2, 2 ** 22]);
    const p2 = join(dataDir, 'cas', 'jpki-sign-2023', 'runs', 'p2.run');
    const before = await stat(p2);
    await load('p1', 2n, [3]);
    const after = await stat(p2);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect((await store.lookup('jpki-sign-2023', 3n)).entry?.reasonCode).toBe(1);
    expect((await store.lookup('jpki-sign-2023', BigInt(2 ** 22))).entry?.reasonCode).toBe(1);
    await store.close();
  });
});
