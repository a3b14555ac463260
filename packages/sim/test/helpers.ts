import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readChildren, readSingle, TAG } from '@jpki-validator/x509';

const run = promisify(execFile);

export interface OpensslResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real openssl CLI; never throws on a non-zero exit (tests assert on `code`). */
export async function openssl(args: readonly string[]): Promise<OpensslResult> {
  try {
    const { stdout, stderr } = await run('openssl', [...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `jpki-sim-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The revokedCertificates element's bytes and entry serials of a DER CRL, read with the x509 TLV reader. */
export function crlEntries(der: Uint8Array): { revoked: Uint8Array; serials: string[] } {
  const outer = readSingle(der, 'crl');
  const [tbs] = readChildren(der, outer, 'crl');
  if (!tbs) throw new Error('no tbsCertList');
  const fields = readChildren(der, tbs, 'tbsCertList');
  // version, signature, issuer, thisUpdate, [nextUpdate], [revokedCertificates], [crlExtensions]
  const revoked = fields.slice(4).find((f) => f.tag === TAG.SEQUENCE);
  if (!revoked) return { revoked: new Uint8Array(0), serials: [] };
  const serials = readChildren(der, revoked, 'revokedCertificates').map((entry) => {
    const [serial] = readChildren(der, entry, 'entry');
    if (!serial) throw new Error('entry without a serial');
    return Buffer.from(der.subarray(serial.contentStart, serial.contentEnd)).toString('hex').replace(/^0+/, '').toUpperCase();
  });
  return { revoked: der.subarray(revoked.start, revoked.contentEnd), serials };
}
