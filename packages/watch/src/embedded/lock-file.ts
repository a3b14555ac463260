/**
 * One writer at a time across processes sharing the watch directory (`watch run` from the CLI while `start` runs): an O_EXCL file
 * holding the pid, held only around a mutation or a pass. A lock whose pid is gone (a killed writer) is stale and broken.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { WatchError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireFileLock(path: string, timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 5;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(path).catch(() => undefined);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
    }
    if (Date.now() > deadline) throw new WatchError('WATCH_LOCK_TIMEOUT', `could not take the watch lock ${path} within ${timeoutMs} ms`);
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 200);
  }
}
