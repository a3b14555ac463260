/**
 * One writer at a time across processes sharing a directory (e.g. `fetch --once` while `start` runs; `watch run` beside a
 * running pass). The lock is a file created with O_EXCL holding `<pid> <nonce>`, held only around a change, never for a
 * process's lifetime. A lock whose pid no longer exists (a writer killed mid-change) is stale and broken. An empty lock file is a
 * writer between create and write — or one killed there: it is stale once older than a grace period. After creating the file
 * we read it back: if two processes broke the same stale lock at once, the one whose nonce is not in the file lost and retries.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { processExists } from './process-exists.js';

export interface LockFileOptions {
  /** give up after this long */
  timeoutMs: number;
  /** the error to throw on giving up: each caller's own, with its stable code */
  timeoutError: (path: string, timeoutMs: number) => Error;
  /** first retry delay; doubles up to 200 ms (default 5 ms) */
  retryMs?: number;
  /** how old an empty lock file must be before it counts as abandoned (default 5 000 ms) */
  unwrittenGraceMs?: number;
}

export type ReleaseLock = () => Promise<void>;

const DEFAULT_UNWRITTEN_GRACE_MS = 5_000;

async function readHolder(path: string): Promise<{ pid: number; token: string } | null> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    const pid = Number(text.split(' ')[0]);
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : -1, token: text };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return false;
  }
}

export async function acquireLockFile(path: string, options: LockFileOptions): Promise<ReleaseLock> {
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + options.timeoutMs;
  const graceMs = options.unwrittenGraceMs ?? DEFAULT_UNWRITTEN_GRACE_MS;
  let delay = options.retryMs ?? 5;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      try {
        // no fsync: a lock only has to exclude live processes (a crash ends its holder, and a dead holder's lock is broken)
        await handle.writeFile(token);
      } finally {
        await handle.close();
      }
      if ((await readHolder(path))?.token === token) {
        return async () => {
          // only remove our own lock (never one a later writer created after breaking ours as stale)
          if ((await readHolder(path))?.token === token) await unlink(path).catch(() => undefined);
        };
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = await readHolder(path);
      if (holder !== null && (holder.pid === -1 ? await olderThan(path, graceMs) : !processExists(holder.pid))) {
        await unlink(path).catch(() => undefined);
        continue;
      }
    }
    if (Date.now() > deadline) throw options.timeoutError(path, options.timeoutMs);
    await sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
}

function readHolderTokenSync(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * One try at the lock, without waiting and in synchronous calls, for a change of a few bytes (an appended line): through the
 * thread pool, taking and releasing the lock cost ten hops, more than the change itself (a national refresh appends 1,741
 * lines). The same protocol as acquireLockFile (O_EXCL create, `<pid> <nonce>`, read back). null: the lock is held (or
 * stale) — acquireLockFile then waits, breaks a stale lock and tries again.
 */
export function tryLockFileSync(path: string): (() => void) | null {
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  }
  try {
    writeSync(fd, token);
  } catch (e) {
    closeSync(fd);
    unlinkSync(path);
    throw e;
  }
  closeSync(fd);
  if (readHolderTokenSync(path) !== token) return null;
  return () => {
    // only remove our own lock (never one a later writer created after breaking ours as stale)
    if (readHolderTokenSync(path) !== token) return;
    try {
      unlinkSync(path);
    } catch {
      // gone already: nothing to release
    }
  };
}
