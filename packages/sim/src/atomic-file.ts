import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

const tempName = (file: string): string => `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}.tmp`;

/**
 * Runs `write` on a write stream to a temporary file beside `file`, then renames it into place; on any failure the temporary
 * file is removed and `file` is left as it was. A write error can arrive while `write` is busy encoding rather than awaiting
 * 'drain', so the whole job races against it.
 */
export async function writeStreamAtomically<T>(file: string, write: (stream: WriteStream) => Promise<T>): Promise<T> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = tempName(file);
  const stream = createWriteStream(tmp);
  const stop = new AbortController();
  const failed = once(stream, 'error', { signal: stop.signal }).then(([error]: unknown[]) =>
    Promise.reject(error instanceof Error ? error : new Error(String(error))),
  );
  failed.catch(() => undefined);
  try {
    const result = await Promise.race([
      (async () => {
        const value = await write(stream);
        stream.end();
        await once(stream, 'finish');
        return value;
      })(),
      failed,
    ]);
    await rename(tmp, file);
    return result;
  } catch (error) {
    stream.destroy();
    await rm(tmp, { force: true });
    throw error;
  } finally {
    stop.abort();
  }
}

/** Runs `write` on an open file handle (positioned writes) to a temporary file beside `file`, then renames it into place. */
export async function writeFileAtomically<T>(file: string, write: (handle: FileHandle) => Promise<T>): Promise<T> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = tempName(file);
  const handle = await open(tmp, 'w');
  try {
    const result = await write(handle);
    await handle.close();
    await rename(tmp, file);
    return result;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Copies `bytes` bytes at `offset` of the open file `from` into a new file `to` (atomically), 1 MiB at a time. */
export async function copyRange(from: FileHandle, offset: number, bytes: number, to: string): Promise<void> {
  await writeFileAtomically(to, async (out) => {
    const buffer = Buffer.allocUnsafe(Math.min(bytes, 1 << 20));
    for (let done = 0; done < bytes; ) {
      const { bytesRead } = await from.read(buffer, 0, Math.min(buffer.length, bytes - done), offset + done);
      if (bytesRead === 0) throw new RangeError(`unexpected end of file at byte ${offset + done}`);
      await out.write(buffer, 0, bytesRead);
      done += bytesRead;
    }
  });
}
