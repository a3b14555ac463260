/**
 * Files that readers see whole or not at all: the bytes go to a temporary file beside the target (same directory, so the same
 * file system), are flushed to disk, and the temporary file is renamed over the target; the directory is flushed too, so the
 * rename survives a crash. A process killed half-way leaves a `*.tmp` file, never a half-written target.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';

export type AtomicData = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

export interface AtomicWriteOptions {
  /** file mode of a new file (default 0o666 less the umask) */
  mode?: number;
  /**
   * false: skip the flushes to disk. Readers still see the whole file or none; a crash may lose it (a test fixture or a file
   * big enough that the flush would dominate, which its writer can make again). Default true.
   */
  durable?: boolean;
}

const temporaryName = (path: string): string => `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;

/** Replaces `path` with `data` (text as UTF-8; pieces written in order, an async source awaited piece by piece). */
export async function writeFileAtomic(path: string, data: AtomicData, options: AtomicWriteOptions = {}): Promise<void> {
  const tmp = temporaryName(path);
  const handle = await open(tmp, 'w', options.mode);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    else for await (const piece of data) await handle.writeFile(piece);
    if (options.durable !== false) await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await moveIntoPlace(tmp, path, options.durable !== false);
}

export interface AtomicWriteStream {
  /** where to write; `path` does not change until commit() */
  readonly stream: WriteStream;
  /** ends the stream, flushes it and renames it over `path` */
  commit(): Promise<void>;
  /** drops what was written; `path` stays as it was */
  discard(): Promise<void>;
}

/** A stream into a temporary file that becomes `path` on commit(). Resolves once the file is open (rejects if it cannot be). */
export async function openAtomicWriteStream(path: string, options: AtomicWriteOptions = {}): Promise<AtomicWriteStream> {
  const tmp = temporaryName(path);
  const stream = createWriteStream(tmp, options.mode === undefined ? {} : { mode: options.mode });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return {
    stream,
    async commit() {
      stream.end();
      await finished(stream);
      if (options.durable !== false) {
        const handle = await open(tmp, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      await moveIntoPlace(tmp, path, options.durable !== false);
    },
    async discard() {
      stream.destroy();
      await rm(tmp, { force: true });
    },
  };
}

async function moveIntoPlace(tmp: string, path: string, durable: boolean): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  if (!durable) return;
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
