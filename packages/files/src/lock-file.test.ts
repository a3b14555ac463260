import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLockFile, type LockFileOptions, tryLockFileSync } from './lock-file.js';

class HeldError extends Error {}

let dir: string;
let lock: string;
const options = (timeoutMs: number, extra: Partial<LockFileOptions> = {}): LockFileOptions => ({
  timeoutMs,
  timeoutError: (path, ms) => new HeldError(`${path} held for ${ms} ms`),
  ...extra,
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jv-lock-'));
  lock = join(dir, 'writer.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** a pid that existed and no longer does: a child that has exited */
async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid ?? 0;
}

describe('acquireLockFile', () => {
  it('lets one holder at a time in and the next one after release; gives up with the caller’s error', async () => {
    const release = await acquireLockFile(lock, options(1000));
    await expect(acquireLockFile(lock, options(60))).rejects.toThrow(HeldError);
    await release();
    const again = await acquireLockFile(lock, options(60));
    await again();
    expect(await readdir(dir)).toEqual([]);
  });

  it('serialises holders racing for it', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const release = await acquireLockFile(lock, options(5000, { retryMs: 1 }));
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
        await release();
      }),
    );
    expect(most).toBe(1);
  });

  it('breaks the lock of a holder that died', async () => {
    await writeFile(lock, `${await deadPid()} deadbeef`);
    const release = await acquireLockFile(lock, options(1000));
    await release();
  });

  it('breaks an empty lock file (a holder killed between create and write) once it is older than the grace period', async () => {
    await writeFile(lock, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const release = await acquireLockFile(lock, options(1000));
    await release();
  });

  it('respects an empty lock file younger than the grace period: its holder may be writing it now', async () => {
    await writeFile(lock, '');
    await expect(acquireLockFile(lock, options(100, { unwrittenGraceMs: 10_000 }))).rejects.toThrow(HeldError);
  });

  it('does not remove a lock that is no longer its own', async () => {
    const release = await acquireLockFile(lock, options(1000));
    await writeFile(lock, `${process.pid} someone-else`);
    await release();
    expect(await readdir(dir)).toEqual(['writer.lock']);
  });

  it('is tried without waiting by tryLockFileSync: null while held, taken once free, excluding acquireLockFile, released only if its own', async () => {
    const held = await acquireLockFile(lock, options(1000));
    expect(tryLockFileSync(lock)).toBeNull();
    await held();
    const release = tryLockFileSync(lock);
    expect(release).not.toBeNull();
    await expect(acquireLockFile(lock, options(60))).rejects.toThrow(HeldError);
    release?.();
    expect(await readdir(dir)).toEqual([]);
    const again = tryLockFileSync(lock);
    await writeFile(lock, `${process.pid} someone-else`);
    again?.();
    expect(await readdir(dir)).toEqual(['writer.lock']);
  });
});
