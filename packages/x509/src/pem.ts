import { X509Error, type X509ErrorCode } from './errors.js';

/** The label `openssl ca -gencrl` and `openssl crl` write. */
export const PEM_CRL_LABEL = 'X509 CRL';

const DASH = 0x2d;

/** Whether the bytes look like PEM (optional leading whitespace, then `-----BEGIN`); DER always starts with a tag byte. */
export function isPem(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length && isSpace(bytes[i] as number)) i++;
  const head = 'BEGIN';
  for (let k = 0; k < 5; k++) if (bytes[i + k] !== DASH) return false;
  for (let k = 0; k < head.length; k++) if (bytes[i + 5 + k] !== head.charCodeAt(k)) return false;
  return true;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function pemError(label: string, message: string): X509Error {
  const code: X509ErrorCode = label.includes('CRL') ? 'CRL_MALFORMED' : label.includes('CERTIFICATE') ? 'CERT_MALFORMED' : 'DER_MALFORMED';
  return new X509Error(code, `PEM ${label}: ${message}`);
}

/** The DER inside the first `-----BEGIN <label>-----` block. */
export function pemToDer(pem: Uint8Array | string, label = PEM_CRL_LABEL): Uint8Array {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength).toString('latin1');
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const from = text.indexOf(begin);
  if (from < 0) throw pemError(label, `no "${begin}" line`);
  const to = text.indexOf(end, from + begin.length);
  if (to < 0) throw pemError(label, `no "${end}" line`);
  return decodeBase64Body(text.slice(from + begin.length, to), label);
}

function decodeBase64Body(body: string, label: string): Uint8Array {
  const clean = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) throw pemError(label, 'body is not base64');
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/** Decodes a PEM block line by line: base64 in whole 4-character groups, so memory holds at most one line. */
class PemLineDecoder {
  phase: 'before' | 'body' | 'after' = 'before';
  line = 0;
  private pending = '';
  private readonly begin: string;
  private readonly end: string;

  constructor(private readonly label: string) {
    this.begin = `-----BEGIN ${label}-----`;
    this.end = `-----END ${label}-----`;
  }

  /** One line of text (without its newline): the DER bytes it completes, or null. */
  feed(text: string): Uint8Array | null {
    this.line++;
    if (this.phase === 'before') {
      if (text.trim() === this.begin) this.phase = 'body';
      return null;
    }
    if (this.phase === 'after') return null;
    if (text.trim() === this.end) {
      this.phase = 'after';
      if (this.pending.length > 0)
        throw pemError(this.label, `base64 body ends with ${this.pending.length} stray characters before line ${this.line}`);
      return null;
    }
    const clean = text.replace(/\s+/g, '');
    if (clean.includes(':')) return null; // RFC 1421 headers (Proc-Type:, DEK-Info:) carry no data
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw pemError(this.label, `line ${this.line} is not base64`);
    this.pending += clean;
    const whole = this.pending.length - (this.pending.length % 4);
    if (whole === 0) return null;
    const out = new Uint8Array(Buffer.from(this.pending.slice(0, whole), 'base64'));
    this.pending = this.pending.slice(whole);
    return out;
  }

  finish(): void {
    if (this.phase === 'before') throw pemError(this.label, `no "${this.begin}" line`);
    if (this.phase === 'body') throw pemError(this.label, `no "${this.end}" line`);
  }
}

/**
 * Streams the DER of the first `<label>` PEM block out of PEM text arriving in chunks, without holding the whole file.
 * Throws X509Error (CRL_MALFORMED for CRLs) naming the line at fault.
 */
export async function* pemToDerStream(source: AsyncIterable<Uint8Array>, label = PEM_CRL_LABEL): AsyncGenerator<Uint8Array> {
  const decoder = new PemLineDecoder(label);
  let partial = '';
  for await (const chunk of source) {
    partial += Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    let nl = partial.indexOf('\n');
    while (nl >= 0) {
      const der = decoder.feed(partial.slice(0, nl));
      if (der) yield der;
      partial = partial.slice(nl + 1);
      nl = partial.indexOf('\n');
    }
    if (decoder.phase === 'after') return;
    if (partial.length > 65536) throw pemError(label, `line ${decoder.line + 1} is longer than 65536 characters`);
  }
  if (partial.length > 0) {
    const der = decoder.feed(partial);
    if (der) yield der;
  }
  decoder.finish();
}
