/**
 * Test helpers that make real certificates with the `openssl` CLI in a temporary directory: the independent peer that the
 * certificate, JPKI and OCSP tests check this engine against.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function openssl(args: readonly string[], cwd?: string): Promise<string> {
  const { stdout } = await run('openssl', [...args], { cwd, maxBuffer: 16 << 20, encoding: 'utf8' });
  return stdout;
}

export interface TempDir {
  path: string;
  file(name: string): string;
  write(name: string, content: string | Uint8Array): Promise<string>;
  read(name: string): Promise<Uint8Array>;
  remove(): Promise<void>;
}

export async function makeTempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return {
    path,
    file: (name) => join(path, name),
    write: async (name, content) => {
      await writeFile(join(path, name), content);
      return join(path, name);
    },
    read: async (name) => new Uint8Array(await readFile(join(path, name))),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

export type KeyKind = 'rsa' | 'rsa-pss' | 'ec-p256' | 'ec-p384';

function newKeyArgs(kind: KeyKind): string[] {
  switch (kind) {
    case 'rsa':
      return ['-newkey', 'rsa:2048'];
    case 'rsa-pss':
      return ['-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048'];
    case 'ec-p256':
      return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    case 'ec-p384':
      return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'];
  }
}

export interface Issued {
  name: string;
  certPath: string;
  keyPath: string;
  der: Uint8Array;
}

export interface CertSpec {
  /** file stem in the temp dir */
  name: string;
  subject: string;
  key?: KeyKind;
  /** an existing key file to reuse instead of generating one */
  keyPath?: string;
  /** the body of an OpenSSL extension section (`basicConstraints = critical,CA:TRUE` lines) plus any sections it refers to */
  extensions?: string;
  serial?: string;
  days?: number;
  /** e.g. ['-sigopt', 'rsa_padding_mode:pss'] */
  signOptions?: string[];
  digest?: string;
}

/** Writes the config: an empty `[req]` DN section (req insists), then `[ext]` with the spec's lines and the sections they refer to. */
async function writeExtensions(dir: TempDir, spec: CertSpec): Promise<string> {
  const ext = spec.extensions ?? 'basicConstraints = critical,CA:FALSE';
  return dir.write(`${spec.name}.ext.cnf`, `[req]\ndistinguished_name = dn\n[dn]\n[ext]\n${ext}\n`);
}

/** A self-signed certificate (`openssl req -x509`). */
export async function selfSigned(dir: TempDir, spec: CertSpec): Promise<Issued> {
  const keyPath = spec.keyPath ?? dir.file(`${spec.name}.key`);
  const certPath = dir.file(`${spec.name}.pem`);
  const extFile = await writeExtensions(dir, spec);
  const keyArgs = spec.keyPath ? ['-key', spec.keyPath] : [...newKeyArgs(spec.key ?? 'rsa'), '-nodes', '-keyout', keyPath];
  await openssl([
    'req',
    '-x509',
    ...keyArgs,
    '-subj',
    spec.subject,
    '-days',
    String(spec.days ?? 30),
    `-${spec.digest ?? 'sha256'}`,
    '-set_serial',
    spec.serial ?? '1',
    '-config',
    extFile,
    '-extensions',
    'ext',
    ...(spec.signOptions ?? []),
    '-out',
    certPath,
  ]);
  return { name: spec.name, certPath, keyPath, der: await pemFileToDer(certPath) };
}

/** A certificate issued by `ca` (`openssl req -new` then `openssl x509 -req`). */
export async function issue(dir: TempDir, ca: Issued, spec: CertSpec): Promise<Issued> {
  const keyPath = spec.keyPath ?? dir.file(`${spec.name}.key`);
  const csrPath = dir.file(`${spec.name}.csr`);
  const certPath = dir.file(`${spec.name}.pem`);
  const extFile = await writeExtensions(dir, spec);
  const keyArgs = spec.keyPath ? ['-key', spec.keyPath] : [...newKeyArgs(spec.key ?? 'rsa'), '-nodes', '-keyout', keyPath];
  await openssl(['req', '-new', ...keyArgs, '-subj', spec.subject, '-config', extFile, '-out', csrPath]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csrPath,
    '-CA',
    ca.certPath,
    '-CAkey',
    ca.keyPath,
    '-set_serial',
    spec.serial ?? '2',
    '-days',
    String(spec.days ?? 30),
    `-${spec.digest ?? 'sha256'}`,
    '-extfile',
    extFile,
    '-extensions',
    'ext',
    ...(spec.signOptions ?? []),
    '-out',
    certPath,
  ]);
  return { name: spec.name, certPath, keyPath, der: await pemFileToDer(certPath) };
}

export async function pemFileToDer(path: string): Promise<Uint8Array> {
  const pem = await readFile(path, 'utf8');
  const body = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(body, 'base64'));
}
