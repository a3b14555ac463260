import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, lastJson, type CliResult } from './run-cli.js';

/** A small simulator made through the CLI itself: one generation of each kind, 3 000 seeded serials per CA, 2 partitions. */
export interface SimFixture {
  dir: string;
  simDir: string;
  signCa: string;
  authCa: string;
  /** a good signature certificate (PEM) */
  signLeaf: string;
  signLeafSerial: string;
  /** a signature certificate revoked with affiliationChanged */
  revokedLeaf: string;
  revokedLeafSerial: string;
  authLeaf: string;
  /** the signature CA's full CRL (DER), written after the revocation */
  signCrl: string;
  cleanup(): Promise<void>;
}

export async function ok(args: readonly string[]): Promise<CliResult> {
  const result = await cli(args);
  if (result.code !== 0) throw new Error(`jpki-validator ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result;
}

export async function createSimFixture(): Promise<SimFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'jpki-cli-test-'));
  const simDir = join(dir, 'sim');
  await ok(['sim', 'init', '--dir', simDir, '--seed', '7', '--population', '3000', '--partitions', '2', '--generations', '2023']);
  const issue = async (ca: string, out: string) =>
    lastJson<{ serial: string }>(await ok(['sim', 'issue', '--dir', simDir, '--ca', ca, '--out', join(dir, out)])).serial;
  const signLeafSerial = await issue('jpki-sign', 'sign.pem');
  const revokedLeafSerial = await issue('jpki-sign', 'revoked.pem');
  await issue('jpki-auth', 'auth.pem');
  await ok(['sim', 'revoke', '--dir', simDir, '--ca', 'jpki-sign', '--serial', revokedLeafSerial, '--reason', 'affiliationChanged']);
  await ok(['sim', 'crl', '--dir', simDir, '--ca', 'jpki-sign', '--out', join(dir, 'sign.crl')]);
  return {
    dir,
    simDir,
    signCa: join(simDir, 'certs/jpki-sign-2023.pem'),
    authCa: join(simDir, 'certs/jpki-auth-2023.pem'),
    signLeaf: join(dir, 'sign.pem'),
    signLeafSerial,
    revokedLeaf: join(dir, 'revoked.pem'),
    revokedLeafSerial,
    authLeaf: join(dir, 'auth.pem'),
    signCrl: join(dir, 'sign.crl'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
