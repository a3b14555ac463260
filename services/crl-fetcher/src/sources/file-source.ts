import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileChunks } from '@jpki-validator/x509';
import { FetcherError } from '../errors.js';
import type { CrlSource, FetchOutcome } from './types.js';

const CRL_FILE = /\.(crl|der|pem)$/i;
/** Files still being written by a transfer tool: skipped until renamed into place. */
const IN_PROGRESS = /^\.|\.(tmp|part|partial)$/i;

export interface FileSourceOptions {
  /** a CRL file, or a drop directory whose newest CRL file is the current one */
  path: string;
  maxBytes?: number;
}

/**
 * A CRL on disk. A directory is a drop directory (J-LIS data may arrive as files over a dedicated line): its newest
 * `*.crl|*.der|*.pem` file is the current CRL. Unchanged size + mtime (+ name) answers "not modified", like a 304.
 */
export function createFileSource(options: FileSourceOptions): CrlSource {
  const maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
  return {
    location: options.path,
    async fetch(previous): Promise<FetchOutcome> {
      const file = await currentFile(options.path);
      const etag = `"${file.name}:${file.size}:${Math.trunc(file.mtimeMs)}"`;
      const lastModified = new Date(file.mtimeMs).toUTCString();
      if (previous?.etag === etag) return { kind: 'not-modified' };
      if (file.size > maxBytes)
        throw new FetcherError('FETCH_TOO_LARGE', `${file.path}: ${file.size} bytes is over the ${maxBytes}-byte cap`, false);
      return {
        kind: 'body',
        // One reused buffer (chunks are views, valid until the next): the ingest copies what it keeps.
        body: readFileChunks(file.path),
        validators: { etag, lastModified },
        sizeBytes: file.size,
        origin: file.path,
      };
    },
  };
}

interface FileInfo {
  path: string;
  name: string;
  size: number;
  mtimeMs: number;
}

async function currentFile(path: string): Promise<FileInfo> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw new FetcherError('FETCH_NOT_FOUND', `${path}: ${error instanceof Error ? error.message : String(error)}`, true, { cause: error });
  }
  if (info.isFile()) return { path, name: path, size: info.size, mtimeMs: info.mtimeMs };
  if (!info.isDirectory()) throw new FetcherError('FETCH_NOT_FOUND', `${path}: neither a file nor a directory`, false);
  let newest: FileInfo | null = null;
  for (const name of await readdir(path)) {
    if (!CRL_FILE.test(name) || IN_PROGRESS.test(name)) continue;
    const full = join(path, name);
    const s = await stat(full).catch(() => null);
    if (!s?.isFile()) continue;
    if (!newest || s.mtimeMs > newest.mtimeMs || (s.mtimeMs === newest.mtimeMs && name > newest.name)) {
      newest = { path: full, name, size: s.size, mtimeMs: s.mtimeMs };
    }
  }
  if (!newest) throw new FetcherError('FETCH_NOT_FOUND', `${path}: drop directory holds no *.crl, *.der or *.pem file yet`, true);
  return newest;
}
