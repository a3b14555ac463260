import { open, readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { parseCertificate, readFileChunks, X509Error, type ParsedCertificate } from '@jpki-validator/x509';
import { InputError } from '../errors.js';

/** Read size for CRL files: big enough that a 200 MB CRL is ~200 reads, small enough to keep memory flat. */
const READ_CHUNK_BYTES = 1 << 20;
const DER_SEQUENCE = 0x30;

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    const messages: Readonly<Record<string, string>> = {
      ENOENT: 'no such file',
      EISDIR: 'is a directory',
      EACCES: 'permission denied',
    };
    return messages[error.code] ?? (error instanceof Error ? error.message : error.code);
  }
  return error instanceof Error ? error.message : String(error);
}

/** A whole (small) input file: certificates, CRLs given to `cert verify`. InputError naming the file when it cannot be read. */
export async function readInputFile(file: string, cwd: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(resolve(cwd, file)));
  } catch (error) {
    throw new InputError(`cannot read ${what} ${file}: ${describe(error)}`, { cause: error });
  }
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * A CRL's bytes as a stream of chunks, never the whole file: a file read stream, or an HTTP GET body straight off the socket.
 * Opening is done here (not on first read) so a missing file or a failed request is an InputError naming it before any output.
 */
export async function openCrlSource(source: string, cwd: string): Promise<AsyncIterable<Uint8Array>> {
  if (isUrl(source)) {
    let response: Response;
    try {
      response = await fetch(source, { headers: { accept: 'application/pkix-crl, application/x-pkcs7-crl, */*' } });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new InputError(`cannot fetch CRL ${source}: ${describe(error)}${cause}`, { cause: error });
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new InputError(`cannot fetch CRL ${source}: HTTP ${response.status} ${response.statusText}`);
    }
    return Readable.fromWeb(response.body);
  }
  const path = resolve(cwd, source);
  try {
    // Opened here so a missing file or a directory fails now, naming it; read through reused buffers (x509 readFileChunks).
    const handle = await open(path, 'r');
    const isDirectory = (await handle.stat()).isDirectory();
    await handle.close();
    if (isDirectory) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return readFileChunks(path, READ_CHUNK_BYTES);
  } catch (error) {
    throw new InputError(`cannot read CRL ${source}: ${describe(error)}`, { cause: error });
  }
}

/** A certificate file, PEM or DER. Errors name the file (never its content: it may be a personal certificate). */
export async function readCertificateFile(file: string, cwd: string, what = 'certificate'): Promise<ParsedCertificate> {
  const bytes = await readInputFile(file, cwd, what);
  try {
    // DER always starts with the SEQUENCE tag; anything else is text (PEM, possibly after `openssl x509 -text` output).
    return parseCertificate(bytes[0] === DER_SEQUENCE ? bytes : Buffer.from(bytes).toString('latin1'));
  } catch (error) {
    if (error instanceof X509Error) throw new InputError(`${what} ${file}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** A CA's id as the CLI names it without a config: the CA certificate's file name without extension (`jpki-sign-2023.pem`). */
export function caIdFromPath(file: string): string {
  return basename(file, extname(file));
}
