import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs the openssl CLI (the independent peer of these tests) and returns stdout. */
export async function openssl(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run('openssl', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Runs openssl and returns stdout and stderr together, whatever the exit status (`crl -verify` reports on stderr). */
export async function opensslOutput(args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout, stderr } = await run('openssl', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}`;
  }
}

export type CaKeyType = 'rsa' | 'ec';

/** A throwaway `openssl ca` in a temp dir: CA key and certificate, index.txt, serial and crlnumber files. */
export interface OpensslCa {
  dir: string;
  caCertPem: string;
  /** index.txt lines written directly (bulk revoked entries), before any `-revoke` */
  addIndexLines(lines: string[]): void;
  /** issues a leaf certificate (EC P-256 key) and returns its path */
  issue(cn: string): Promise<string>;
  /** `openssl ca -revoke` with extra flags (`-crl_reason`, `-crl_hold`, `-crl_compromise`, …) */
  revoke(certPath: string, flags: string[]): Promise<void>;
  /** `openssl ca -gencrl -crlexts crl_ext`, DER bytes */
  genCrl(): Promise<{ der: Uint8Array; derPath: string; pemPath: string }>;
  cleanup(): void;
}

const CONFIG = `
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = ./index.txt
new_certs_dir = ./certs
certificate = ./ca.crt
private_key = ./ca.key
serial = ./serial
crlnumber = ./crlnumber
default_md = sha256
default_days = 365
default_crl_days = 7
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ crl_ext ]
authorityKeyIdentifier = keyid:always
[ req ]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[ v3_ca ]
subjectKeyIdentifier = hash
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
[ dn ]
CN = unused
`;

export async function createOpensslCa(keyType: CaKeyType): Promise<OpensslCa> {
  const dir = mkdtempSync(join(tmpdir(), `crl-ca-${keyType}-`));
  writeFileSync(join(dir, 'ca.cnf'), CONFIG);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'crlnumber'), '2A\n');
  await run('mkdir', ['certs'], { cwd: dir });
  const keyArgs = keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  await openssl(
    [
      'req',
      '-x509',
      ...keyArgs,
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '3650',
      '-subj',
      `/C=JP/O=JPKI Validator Test/OU=${keyType}, \\+ unit/CN=Test CA ${keyType}`,
      '-config',
      'ca.cnf',
    ],
    dir,
  );
  let n = 0;
  return {
    dir,
    caCertPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    addIndexLines(lines) {
      writeFileSync(join(dir, 'index.txt'), lines.map((l) => `${l}\n`).join(''), { flag: 'a' });
    },
    async issue(cn) {
      n++;
      await openssl(
        [
          'req',
          '-new',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          `leaf${n}.key`,
          '-out',
          `leaf${n}.csr`,
          '-subj',
          `/CN=${cn}`,
          '-config',
          'ca.cnf',
        ],
        dir,
      );
      await openssl(['ca', '-batch', '-config', 'ca.cnf', '-in', `leaf${n}.csr`, '-out', `leaf${n}.crt`, '-notext'], dir);
      return join(dir, `leaf${n}.crt`);
    },
    async revoke(certPath, flags) {
      await openssl(['ca', '-config', 'ca.cnf', '-revoke', certPath, ...flags], dir);
    },
    async genCrl() {
      await openssl(['ca', '-gencrl', '-config', 'ca.cnf', '-crlexts', 'crl_ext', '-out', 'crl.pem'], dir);
      await openssl(['crl', '-in', 'crl.pem', '-outform', 'DER', '-out', 'crl.der'], dir);
      return { der: new Uint8Array(readFileSync(join(dir, 'crl.der'))), derPath: join(dir, 'crl.der'), pemPath: join(dir, 'crl.pem') };
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One revoked entry as `openssl crl -text` prints it. */
export interface OpensslEntry {
  serial: bigint;
  revocationDate: number;
  reason: string;
  invalidityDate: number | null;
}

const REASONS: Record<string, string> = {
  Unspecified: 'unspecified',
  'Key Compromise': 'keyCompromise',
  'CA Compromise': 'cACompromise',
  'Affiliation Changed': 'affiliationChanged',
  Superseded: 'superseded',
  'Cessation Of Operation': 'cessationOfOperation',
  'Certificate Hold': 'certificateHold',
  'Remove From CRL': 'removeFromCRL',
  'Privilege Withdrawn': 'privilegeWithdrawn',
  'AA Compromise': 'aACompromise',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Jan  1 00:00:00 2026 GMT` → ms */
export function parseOpensslTime(s: string): number {
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d{4}) GMT$/.exec(s.trim());
  if (!m) throw new Error(`unexpected openssl time ${JSON.stringify(s)}`);
  return Date.UTC(Number(m[6]), MONTHS.indexOf(m[1] ?? ''), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}

export function parseOpensslSerial(s: string): bigint {
  const t = s.trim();
  return t.startsWith('-') ? -BigInt(`0x${t.slice(1)}`) : BigInt(`0x${t}`);
}

/** The fields of `openssl crl -text -noout` the scanner must agree with. */
export interface OpensslCrlText {
  lastUpdate: number;
  nextUpdate: number | null;
  crlNumber: bigint | null;
  entries: OpensslEntry[];
}

export function parseOpensslCrlText(text: string): OpensslCrlText {
  const lines = text.split('\n');
  const value = (label: string): string | undefined =>
    lines
      .find((l) => l.trim().startsWith(`${label}:`))
      ?.split(`${label}:`)[1]
      ?.trim();
  const lastUpdate = parseOpensslTime(value('Last Update') ?? '');
  const next = value('Next Update');
  const numberAt = lines.findIndex((l) => l.includes('X509v3 CRL Number:'));
  const crlNumber = numberAt >= 0 ? BigInt(lines[numberAt + 1]?.trim() ?? '') : null;
  const entries: OpensslEntry[] = [];
  let current: OpensslEntry | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line.startsWith('Serial Number:')) {
      current = {
        serial: parseOpensslSerial(line.slice('Serial Number:'.length)),
        revocationDate: 0,
        reason: 'unspecified',
        invalidityDate: null,
      };
      entries.push(current);
    } else if (current && line.startsWith('Revocation Date:')) {
      current.revocationDate = parseOpensslTime(line.slice('Revocation Date:'.length));
    } else if (current && line.startsWith('X509v3 CRL Reason Code:')) {
      const name = (lines[i + 1] ?? '').trim();
      current.reason = REASONS[name] ?? `?${name}`;
    } else if (current && line.startsWith('Invalidity Date:')) {
      current.invalidityDate = parseOpensslTime(lines[i + 1] ?? '');
    }
  }
  return { lastUpdate, nextUpdate: next === undefined || next === 'NONE' ? null : parseOpensslTime(next), crlNumber, entries };
}
