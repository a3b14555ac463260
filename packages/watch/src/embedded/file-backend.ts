/**
 * The watch list without Redis: a directory shared by every process on the machine (`start`, `fetch`, `watch …`).
 *
 *   journal.jsonl        the journal (positions are byte offsets); a commit is appended with fsync
 *   manifest.json        the current checkpoint and the journal offset it covers (temp file, fsync, rename, fsync of the directory)
 *   checkpoints/<id>.ckpt  a checkpoint: "JVWCKPT1", segment count, segment lengths (float64), then each segment 8-byte aligned
 *   writer.lock          one writer at a time (@jpki-validator/files' lock file)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { WatchError } from '../errors.js';
import type { JournalBackend, JournalLine, Manifest } from '../journal/backend.js';
import { acquireLockFile } from '@jpki-validator/files';

const MAGIC = Buffer.from('JVWCKPT1', 'latin1');
const READ_BYTES = 1 << 20;
const LF = 0x0a;

export interface FileBackendOptions {
  dir: string;
  lockTimeoutMs?: number;
}

export class FileJournalBackend implements JournalBackend {
  readonly kind = 'embedded' as const;
  readonly dir: string;
  private readonly lockTimeoutMs: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: FileBackendOptions) {
    this.dir = options.dir;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 600_000;
  }

  private get journalPath(): string {
    return join(this.dir, 'journal.jsonl');
  }

  private get checkpointDir(): string {
    return join(this.dir, 'checkpoints');
  }

  async init(): Promise<this> {
    await mkdir(this.checkpointDir, { recursive: true });
    return this;
  }

  withLock<T>(task: () => Promise<T>): Promise<T> {
    // in this process one task at a time (the file lock is per process), across processes the lock file
    const run = async (): Promise<T> => {
      const release = await acquireLockFile(join(this.dir, 'writer.lock'), {
        timeoutMs: this.lockTimeoutMs,
        timeoutError: (path, ms) => new WatchError('WATCH_LOCK_TIMEOUT', `could not take the watch lock ${path} within ${ms} ms`),
      });
      try {
        return await task();
      } finally {
        await release();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async readManifest(): Promise<Manifest | null> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'manifest.json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      return JSON.parse(text) as Manifest;
    } catch (e) {
      throw new WatchError('WATCH_STATE_CORRUPT', `${join(this.dir, 'manifest.json')} is not JSON`, { cause: e });
    }
  }

  async writeManifest(manifest: Manifest): Promise<void> {
    await writeAtomically(this.dir, 'manifest.json', [Buffer.from(JSON.stringify(manifest), 'utf8')]);
  }

  async writeCheckpoint(id: string, segments: readonly Uint8Array[]): Promise<void> {
    const head = Buffer.alloc(16 + 8 * segments.length);
    MAGIC.copy(head, 0);
    head.writeUInt32LE(segments.length, 8);
    segments.forEach((s, i) => {
      head.writeDoubleLE(s.byteLength, 16 + 8 * i);
    });
    const parts: Uint8Array[] = [head];
    for (const s of segments) {
      parts.push(s);
      const pad = (8 - (s.byteLength % 8)) % 8;
      if (pad) parts.push(Buffer.alloc(pad));
    }
    await writeAtomically(this.checkpointDir, `${id}.ckpt`, parts);
  }

  async readCheckpoint(id: string): Promise<Uint8Array[]> {
    const path = join(this.checkpointDir, `${id}.ckpt`);
    const bytes = await readWhole(path);
    if (bytes.length < 16 || !bytes.subarray(0, 8).equals(MAGIC))
      throw new WatchError('WATCH_STATE_CORRUPT', `${path} is not a checkpoint`);
    const count = bytes.readUInt32LE(8);
    const segments: Uint8Array[] = [];
    let at = 16 + 8 * count;
    for (let i = 0; i < count; i++) {
      const length = bytes.readDoubleLE(16 + 8 * i);
      if (at + length > bytes.length) throw new WatchError('WATCH_STATE_CORRUPT', `${path}: segment ${i} runs past the end`);
      segments.push(bytes.subarray(at, at + length));
      at += length + ((8 - (length % 8)) % 8);
    }
    return segments;
  }

  async deleteCheckpointsExcept(keep: string | null): Promise<void> {
    for (const name of await readdir(this.checkpointDir).catch(() => [] as string[])) {
      if (keep !== null && name === `${keep}.ckpt`) continue;
      await rm(join(this.checkpointDir, name), { force: true });
    }
  }

  async journalEnd(): Promise<number> {
    try {
      return (await stat(this.journalPath)).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
  }

  async truncateJournal(position: number): Promise<void> {
    await truncate(this.journalPath, position);
  }

  async appendJournal(lines: readonly string[], durable: boolean): Promise<number> {
    const handle = await open(this.journalPath, 'a');
    try {
      if (lines.length > 0) await handle.write(`${lines.join('\n')}\n`);
      if (durable) await handle.sync();
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  }

  async *readJournal(from: number, to: number): AsyncIterable<JournalLine> {
    if (to <= from) return;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.journalPath, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    try {
      let carry = Buffer.alloc(0);
      let carryAt = from;
      let at = from;
      while (at < to) {
        const chunk = Buffer.allocUnsafe(Math.min(READ_BYTES, to - at));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, at);
        if (bytesRead === 0) break;
        at += bytesRead;
        const data = carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
        let start = 0;
        for (let i = data.indexOf(LF, 0); i >= 0; i = data.indexOf(LF, start)) {
          yield { text: data.toString('utf8', start, i), position: carryAt + start, next: carryAt + i + 1 };
          start = i + 1;
        }
        carry = Buffer.from(data.subarray(start));
        carryAt += start;
      }
      // a last line without its line feed is a torn write: not a line
    } finally {
      await handle.close();
    }
  }

  async earlierLayout(): Promise<string | null> {
    const old = join(this.dir, 'customers.jsonl');
    return (await stat(old).catch(() => null)) !== null && (await this.journalEnd()) === 0 ? old : null;
  }

  async close(): Promise<void> {
    await this.queue;
  }
}

/** temp file in the same directory, fsync, rename, fsync of the directory: a reader sees the old file or the new one */
async function writeAtomically(dir: string, name: string, parts: readonly Uint8Array[]): Promise<void> {
  const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    for (const p of parts) await writeAll(handle, p);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  await rename(tmp, join(dir, name));
  await syncDirectory(dir);
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: Awaited<ReturnType<typeof open>>, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.byteLength; ) {
    const { bytesWritten } = await handle.write(bytes, at, Math.min(bytes.byteLength - at, 1 << 30));
    at += bytesWritten;
  }
}

/** a file into one buffer (readFile stops at 2 GiB; a checkpoint of 60 M rows is more) */
async function readWhole(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const out = Buffer.allocUnsafe(size);
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(out, at, Math.min(size - at, 1 << 30), at);
      if (bytesRead === 0) throw new WatchError('WATCH_STATE_CORRUPT', `${path} ended at ${at} of ${size} bytes`);
      at += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}
