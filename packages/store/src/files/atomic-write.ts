/** Atomic file replacement: a reader sees the old file or the new one, never a mix, and a crash leaves no half-written file. */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * temp file + fsync + rename + fsync of the directory. `sync: false` skips both fsyncs: still atomic for readers, but a power
 * loss may bring back the previous file (for records whose loss costs nothing more than a re-check).
 */
export async function writeFileAtomic(path: string, parts: readonly Uint8Array[], options: { sync?: boolean } = {}): Promise<void> {
  const sync = options.sync ?? true;
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    for (const part of parts) {
      let off = 0;
      while (off < part.length) off += (await handle.write(part, off, part.length - off)).bytesWritten;
    }
    if (sync) await handle.sync();
  } catch (e) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await handle.close();
  await rename(tmp, path);
  if (!sync) return;
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
