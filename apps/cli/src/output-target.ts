/**
 * Where `--output FILE|-` writes. A regular file (or a path that does not exist yet) is replaced atomically: the output goes to a
 * temporary file beside it, renamed over it only when the run succeeds, so a failed run leaves the old file and a reader never
 * sees half of one. A symlink is followed to the file it names, which is replaced there (the link stays a link). Anything else —
 * a FIFO, a character device such as /dev/null or a terminal, a socket — is written to as a stream: renaming over it would
 * replace the device or pipe with a regular file (as root, /dev/null itself).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, readlink, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { openAtomicWriteStream } from '@jpki-validator/files';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { UsageError } from './errors.js';

export interface OutputTarget {
  stream: Writable;
  /** the file written (after following symlinks); null for stdout */
  path: string | null;
  /** whether the file appears only at `commit` */
  atomic: boolean;
  /** finishes the output: ends the stream and, when atomic, renames the temporary file into place */
  commit(): Promise<void>;
  /** abandons the output: an atomic one leaves no trace; a stream is ended where it got to */
  discard(): Promise<void>;
}

/** symlinks followed before giving up (the kernel's own limit) */
const MAX_LINKS = 40;

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** the path a chain of symlinks ends at (which may not exist yet) */
async function followLinks(path: string, flag: string): Promise<string> {
  let current = path;
  for (let i = 0; i < MAX_LINKS; i++) {
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(current);
    } catch (e) {
      if (isMissing(e)) return current;
      throw e;
    }
    if (!info.isSymbolicLink()) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  throw new UsageError(`${flag} ${path}: more than ${MAX_LINKS} symbolic links`);
}

async function opened(stream: WriteStream, flag: string, target: string): Promise<void> {
  await new Promise<void>((ok, fail) => {
    stream.once('open', () => ok());
    stream.once('error', (error) => fail(new UsageError(`cannot write ${flag} ${target}: ${error.message}`, { cause: error })));
  });
}

export async function openOutputTarget(target: string, stdout: Writable, cwd: string, flag = '--output'): Promise<OutputTarget> {
  if (target === '-') return { stream: stdout, path: null, atomic: false, commit: async () => undefined, discard: async () => undefined };
  const path = await followLinks(resolve(cwd, target), flag);
  let mode: number | null = null;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new UsageError(`${flag} ${target} is a directory`);
    if (!info.isFile()) {
      // a FIFO, a device, a socket: written in place, never replaced
      const stream = createWriteStream(path);
      await opened(stream, flag, target);
      return {
        stream,
        path,
        atomic: false,
        async commit() {
          stream.end();
          await finished(stream);
        },
        async discard() {
          stream.end();
          await finished(stream).catch(() => undefined);
        },
      };
    }
    mode = info.mode & 0o7777;
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
  // the run can be made again: a flush to disk of a large output is not worth its time
  const output = await openAtomicWriteStream(path, { durable: false, ...(mode === null ? {} : { mode }) }).catch((error: unknown) => {
    throw new UsageError(`cannot write ${flag} ${target}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  return { stream: output.stream, path, atomic: true, commit: output.commit, discard: output.discard };
}
