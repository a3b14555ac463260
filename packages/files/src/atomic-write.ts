/**
 * Files that readers see whole or not at all: the bytes go to a temporary file beside the target (same directory, so the same
 * file system), are flushed to disk, and the temporary file is renamed over the target; the directory is flushed too, so the
 * rename survives a crash. On any failure the temporary file is removed and the target left as it was; a process killed
 * half-way leaves a `*.tmp` file, never a half-written target.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
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
  /** make the target's directory (and its parents) first (default false: a missing directory is the caller's mistake) */
  createDirectory?: boolean;
}

// a random part per process and a counter: unique among this process's writes without a call into the CSPRNG per file
const processTag = `${process.pid}.${randomBytes(4).toString('hex')}`;
let temporaryCount = 0;
const temporaryName = (path: string): string => `${path}.${processTag}.${(temporaryCount++).toString(36)}.tmp`;

/** Replaces `path` with `data` (text as UTF-8; pieces written in order, an async source awaited piece by piece). */
export function writeFileAtomic(path: string, data: AtomicData, options: AtomicWriteOptions = {}): Promise<void> {
  return writeFileAtomicWith(
    path,
    async (handle) => {
      if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
      else if (Array.isArray(data) && data.every((piece) => piece instanceof Uint8Array)) await writeAll(handle, data);
      else for await (const piece of data) await handle.writeFile(piece);
    },
    options,
  );
}

/**
 * Byte pieces in one writev each (a run file is a dozen pieces: one trip through the thread pool, not a dozen), continuing after
 * a short write.
 */
async function writeAll(handle: FileHandle, pieces: Uint8Array[]): Promise<void> {
  let rest = pieces.filter((p) => p.length > 0);
  while (rest.length > 0) {
    const batch = rest.slice(0, IOV_MAX);
    let { bytesWritten } = await handle.writev(batch);
    let used = 0;
    while (used < batch.length && bytesWritten >= (batch[used] as Uint8Array).length) bytesWritten -= (batch[used++] as Uint8Array).length;
    rest = rest.slice(used);
    if (bytesWritten > 0) rest[0] = (rest[0] as Uint8Array).subarray(bytesWritten);
  }
}

/** pieces one writev takes (IOV_MAX on Linux) */
const IOV_MAX = 1024;

/** Replaces `path` with what `write` writes through a file handle (positioned writes too); resolves to what `write` returns. */
export async function writeFileAtomicWith<T>(
  path: string,
  write: (handle: FileHandle) => Promise<T>,
  options: AtomicWriteOptions = {},
): Promise<T> {
  if (options.createDirectory === true) await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryName(path);
  const handle = await open(tmp, 'w', options.mode);
  let result: T;
  try {
    result = await write(handle);
    if (options.durable !== false) await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await moveIntoPlace(tmp, path, options.durable !== false);
  return result;
}

/**
 * Replaces `path` with what `write` writes to a stream; resolves to what `write` returns. A write error can arrive while
 * `write` is busy producing rather than awaiting 'drain', so the whole job races against it.
 */
export async function writeStreamAtomic<T>(
  path: string,
  write: (stream: WriteStream) => Promise<T>,
  options: AtomicWriteOptions = {},
): Promise<T> {
  const output = await openAtomicWriteStream(path, options);
  const stop = new AbortController();
  const failed = once(output.stream, 'error', { signal: stop.signal }).then(([error]: unknown[]) =>
    Promise.reject(error instanceof Error ? error : new Error(String(error))),
  );
  failed.catch(() => undefined);
  try {
    const result = await Promise.race([write(output.stream), failed]);
    await Promise.race([output.commit(), failed]);
    return result;
  } catch (error) {
    await output.discard();
    throw error;
  } finally {
    stop.abort();
  }
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
  if (options.createDirectory === true) await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryName(path);
  const stream = createWriteStream(tmp, options.mode === undefined ? {} : { mode: options.mode });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  const durable = options.durable !== false;
  return {
    stream,
    async commit() {
      stream.end();
      await finished(stream);
      // exactly this mode, whatever the umask (a replaced file keeps its permissions)
      if (options.mode !== undefined) await chmod(tmp, options.mode);
      if (durable) {
        const handle = await open(tmp, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      await moveIntoPlace(tmp, path, durable);
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
