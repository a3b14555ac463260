/** Reading what `verify` is given: signatures (raw bytes or base64 text), documents (raw bytes), digests (hex). */
import { UsageError } from '../errors.js';
import { readInputFile } from './input-files.js';

const BASE64_TEXT = /^[A-Za-z0-9+/\s]+={0,2}\s*$/;

/** A signature file: the raw bytes `openssl dgst -sign` writes, or the same as base64 text. */
export async function readSignatureFile(file: string, cwd: string): Promise<Uint8Array> {
  const bytes = await readInputFile(file, cwd, 'signature');
  const text = Buffer.from(bytes).toString('latin1');
  if (BASE64_TEXT.test(text) && text.replace(/\s+/g, '').length % 4 === 0) return new Uint8Array(Buffer.from(text, 'base64'));
  return bytes;
}

/** `--digest`: hex, as `sha256sum` prints it (an optional `  FILE` tail is ignored) */
export function parseHexDigest(text: string): Uint8Array {
  const hex = text.trim().split(/\s+/)[0] ?? '';
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) throw new UsageError('--digest: not hex (give it as sha256sum prints it)');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
