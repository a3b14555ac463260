/**
 * One writer at a time across processes sharing a data directory (NOTES: `fetch --once` while `start` runs). The lock is a file
 * created with O_EXCL holding `<pid> <nonce>`; it is held only around a commit, never for a process's lifetime. A lock whose pid no
 * longer exists (a writer killed mid-commit) is stale and broken. After creating it we read it back: if two processes broke the same
 * stale lock at once, the one whose nonce is not in the file lost and retries.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../errors.js';

export interface LockOptions {
  /** give up after this long (default 30 s) */
  timeoutMs?: number;
  /** first retry delay; doubles up to 200 ms (default 5 ms) */
  retryMs?: number;
}

export type ReleaseLock = () => Promise<void>;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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

/** an empty lock file is a writer between create and write — or one killed there: stale only once it is this old */
const UNWRITTEN_LOCK_GRACE_MS = 5_000;

async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return false;
  }
}

export async function acquireLock(path: string, options: LockOptions = {}): Promise<ReleaseLock> {
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
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
      if (holder !== null && (holder.pid === -1 ? await olderThan(path, UNWRITTEN_LOCK_GRACE_MS) : !pidAlive(holder.pid))) {
        await unlink(path).catch(() => undefined);
        continue;
      }
    }
    if (Date.now() > deadline)
      throw new StoreError('LOCK_TIMEOUT', `could not take the writer lock ${path} within ${options.timeoutMs ?? 30_000} ms`);
    await sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
}
