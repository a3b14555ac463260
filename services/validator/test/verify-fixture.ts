/**
 * Signing the way a bank's counterpart would, with OpenSSL as the independent signer: simulator-issued JPKI-profile keys (their
 * PKCS#8 PEM written to a file) or OpenSSL-made ones, signed with `openssl dgst`, `openssl pkeyutl` and `openssl cms -sign`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64');
export const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());

export async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { maxBuffer: 16 << 20 });
}

export interface Signer {
  certPath: string;
  keyPath: string;
  certPem: string;
}

export class OpensslSigner {
  private n = 0;
  constructor(private readonly dir: string) {}

  /** a signer from simulator output (certificate PEM, PKCS#8 key PEM) */
  async fromPem(name: string, certPem: string, keyPem: string): Promise<Signer> {
    const certPath = join(this.dir, `${name}.crt`);
    const keyPath = join(this.dir, `${name}.key`);
    await writeFile(certPath, certPem);
    await writeFile(keyPath, keyPem);
    return { certPath, keyPath, certPem };
  }

  /** an OpenSSL-made key and self-signed certificate */
  async selfSigned(name: string, keyArgs: string[] = ['-newkey', 'rsa:2048']): Promise<Signer> {
    const certPath = join(this.dir, `${name}.crt`);
    const keyPath = join(this.dir, `${name}.key`);
    await openssl(['req', '-x509', ...keyArgs, '-nodes', '-keyout', keyPath, '-out', certPath, '-subj', `/CN=${name}`, '-days', '5']);
    return { certPath, keyPath, certPem: await readFile(certPath, 'utf8') };
  }

  private async temp(content: Uint8Array): Promise<{ input: string; output: string }> {
    const k = this.n++;
    const input = join(this.dir, `in-${k}.bin`);
    await writeFile(input, content);
    return { input, output: join(this.dir, `out-${k}.bin`) };
  }

  /** `openssl dgst -sha256 -sign` (PKCS#1 v1.5, or ECDSA for an EC key) */
  async dgstSign(signer: Signer, data: Uint8Array, hash = 'sha256'): Promise<Uint8Array> {
    const { input, output } = await this.temp(data);
    await openssl(['dgst', `-${hash}`, '-sign', signer.keyPath, '-out', output, input]);
    return new Uint8Array(await readFile(output));
  }

  /** `openssl pkeyutl -sign` over a SHA-256 digest, with extra -pkeyopt options (PSS) */
  async pkeyutlSign(signer: Signer, digest: Uint8Array, pkeyopts: string[] = []): Promise<Uint8Array> {
    const { input, output } = await this.temp(digest);
    await openssl([
      'pkeyutl',
      '-sign',
      '-inkey',
      signer.keyPath,
      '-in',
      input,
      '-out',
      output,
      ...pkeyopts.flatMap((o) => ['-pkeyopt', o]),
    ]);
    return new Uint8Array(await readFile(output));
  }

  /** `openssl cms -sign -binary -outform DER` (detached unless -nodetach is among `extra`) */
  async cmsSign(signer: Signer, data: Uint8Array, extra: string[] = []): Promise<Uint8Array> {
    const { input, output } = await this.temp(data);
    await openssl([
      'cms',
      '-sign',
      '-binary',
      '-in',
      input,
      '-signer',
      signer.certPath,
      '-inkey',
      signer.keyPath,
      '-outform',
      'DER',
      ...extra,
      '-out',
      output,
    ]);
    return new Uint8Array(await readFile(output));
  }
}
