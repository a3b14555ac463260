import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../cert/parse-certificate.js';
import { validatePath, summarisePathErrors } from './validate-path.js';

const run = promisify(execFile);

/** JPKI CA generations share this DN and differ only by key. */
const JPKI_DN = '/C=JP/O=JPKI/OU=JPKI for digital signature';

interface TestCa {
  dir: string;
  config: string;
  cert: string;
}

let work = '';
let genA: TestCa;
let genB: TestCa;
const files: Record<string, string> = {};

async function openssl(...args: string[]): Promise<string> {
  const { stdout } = await run('openssl', args, { cwd: work });
  return stdout;
}

/** A root CA driven by `openssl ca` (index, serial and crlnumber files), as J-LIS-like as the CLI allows. */
async function createCa(name: string): Promise<TestCa> {
  const dir = join(work, name);
  await mkdir(join(dir, 'newcerts'), { recursive: true });
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '7F00D015\n');
  await writeFile(join(dir, 'crlnumber'), '1000\n');
  const config = join(dir, 'ca.cnf');
  await writeFile(
    config,
    [
      '[ca]',
      'default_ca = jpki',
      '[jpki]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir/newcerts',
      'serial = $dir/serial',
      'crlnumber = $dir/crlnumber',
      'certificate = $dir/root.pem',
      'private_key = $dir/root.key',
      'default_md = sha256',
      'default_days = 365',
      'default_crl_days = 30',
      'policy = any',
      'unique_subject = no',
      'x509_extensions = sign_cert',
      'crl_extensions = crl_ext',
      '[any]',
      'commonName = supplied',
      '[sign_cert]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,nonRepudiation',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      'certificatePolicies = 1.2.392.200149.8.5.1.1.20',
      '[crl_ext]',
      'authorityKeyIdentifier = keyid',
      '',
    ].join('\n'),
  );
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    join(dir, 'root.key'),
    '-out',
    join(dir, 'root.pem'),
    '-subj',
    JPKI_DN,
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-addext',
    'subjectKeyIdentifier=hash',
  );
  return { dir, config, cert: join(dir, 'root.pem') };
}

async function issue(ca: TestCa, name: string): Promise<string> {
  const key = join(work, `${name}.key`);
  const csr = join(work, `${name}.csr`);
  const out = join(work, `${name}.pem`);
  await openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`);
  await openssl('ca', '-batch', '-config', ca.config, '-in', csr, '-out', out, '-notext');
  return out;
}

async function gencrl(ca: TestCa, name: string): Promise<string> {
  const out = join(work, name);
  await openssl('ca', '-config', ca.config, '-gencrl', '-out', out);
  return out;
}

const bytes = async (path: string): Promise<Uint8Array> => new Uint8Array(await readFile(path));
const text = async (path: string): Promise<string> => readFile(path, 'utf8');

/** OpenSSL's own verdict, as an independent peer: 'OK' or its error string. */
async function opensslVerify(leaf: string, root: string, crl: string): Promise<string> {
  try {
    await run('openssl', ['verify', '-crl_check_all', '-CAfile', root, '-CRLfile', crl, leaf]);
    return 'OK';
  } catch (e) {
    return String((e as { stdout?: string; stderr?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? '');
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'jpki-path-'));
  genA = await createCa('gen-a');
  genB = await createCa('gen-b');
  files.good = await issue(genA, 'good-card');
  files.revoked = await issue(genA, 'revoked-card');
  await openssl('ca', '-config', genA.config, '-revoke', files.revoked, '-crl_reason', 'keyCompromise');
  files.crl = await gencrl(genA, 'gen-a.crl');
  // Same DN, other key: a CRL that names the right issuer but was not signed by it.
  files.crlByOtherGeneration = await gencrl(genB, 'gen-b.crl');
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('validatePath on a JPKI-like chain made by openssl ca', () => {
  it('a listed card is revoked with its reason, an unlisted one valid — as openssl verify -crl_check_all says', async () => {
    const trustAnchors = [await bytes(genA.cert)];
    const crls = [{ bytes: await bytes(files.crl as string), label: 'gen-a.crl' }];
    const good = validatePath(await text(files.good as string), { trustAnchors, crls });
    expect(good).toMatchObject({ result: 'valid', errors: [] });
    expect(await opensslVerify(files.good as string, genA.cert, files.crl as string)).toContain('OK');

    const revoked = validatePath(await bytes(files.revoked as string), { trustAnchors, crls });
    expect(revoked.result).toBe('revoked');
    expect(revoked.errors.map((e) => [e.code, e.depth])).toEqual([['CERT_REVOKED', 0]]);
    expect(revoked.revocation).toMatchObject({
      depth: 0,
      serial: '7F00D016',
      reason: 'keyCompromise',
      crl: 'gen-a.crl',
      crlNumber: String(0x1000),
    });
    expect(await opensslVerify(files.revoked as string, genA.cert, files.crl as string)).toContain('certificate revoked');
  });

  it('a root with the same DN but another key anchors nothing (JPKI generations share a DN)', async () => {
    const crls = [await bytes(files.crl as string)];
    const out = validatePath(await bytes(files.good as string), { trustAnchors: [await bytes(genB.cert)], crls });
    expect(out.result).toBe('invalid');
    expect(out.errors).toEqual([expect.objectContaining({ code: 'SIGNATURE_INVALID', depth: 0 })]);
    expect(out.chain).toEqual([]);
    expect(await opensslVerify(files.good as string, genB.cert, files.crl as string)).not.toContain(': OK');
  });

  it('with both generations trusted, the one whose key verifies is the anchor', async () => {
    const rootA = parseCertificate(await text(genA.cert));
    const rootB = parseCertificate(await text(genB.cert));
    expect(rootB.subject.der).toEqual(rootA.subject.der);
    const out = validatePath(await bytes(files.good as string), { trustAnchors: [rootB, rootA], crls: [await bytes(files.crl as string)] });
    expect(out.result).toBe('valid');
    expect(out.chain).toHaveLength(2);
    expect(out.chain[1]).toBe(rootA);
  });

  it('a CRL with the issuer DN but signed by the other generation is not used: status unknown', async () => {
    const out = validatePath(await bytes(files.revoked as string), {
      trustAnchors: [await bytes(genA.cert)],
      crls: [await bytes(files.crlByOtherGeneration as string)],
    });
    expect(out.result).toBe('unknown');
    expect(out.errors.map((e) => e.code)).toEqual(['CRL_SIGNATURE_INVALID']);
  });

  it('without a CRL, or past its nextUpdate, the status is unknown, never valid', async () => {
    const trustAnchors = [await bytes(genA.cert)];
    const none = validatePath(await bytes(files.good as string), { trustAnchors });
    expect(none).toMatchObject({ result: 'unknown', errors: [expect.objectContaining({ code: 'CRL_NOT_FOUND', depth: 0 })] });
    const later = new Date(Date.now() + 60 * 86_400_000);
    const stale = validatePath(await bytes(files.good as string), { trustAnchors, crls: [await bytes(files.crl as string)], time: later });
    expect(stale).toMatchObject({ result: 'unknown', errors: [expect.objectContaining({ code: 'CRL_EXPIRED', depth: 0 })] });
  });

  it('outside the validity period the card is expired or not yet valid', async () => {
    const opts = { trustAnchors: [await bytes(genA.cert)], crls: [await bytes(files.crl as string)] };
    const expired = validatePath(await bytes(files.good as string), { ...opts, time: new Date(Date.now() + 400 * 86_400_000) });
    expect(expired.result).toBe('expired');
    expect(expired.errors.map((e) => [e.code, e.depth])).toContainEqual(['CERT_EXPIRED', 0]);
    const early = validatePath(await bytes(files.good as string), { ...opts, time: new Date(Date.now() - 86_400_000) });
    expect(early.result).toBe('not_yet_valid');
  });

  it('the trust anchor given as the target is valid by itself', async () => {
    const root = await bytes(genA.cert);
    expect(validatePath(root, { trustAnchors: [root] })).toMatchObject({ result: 'valid', errors: [] });
  });
});

describe('summarisePathErrors', () => {
  it('ranks structure over validity over revocation over unknown', () => {
    const e = (code: Parameters<typeof summarisePathErrors>[0][number]['code']) => ({ code, message: '', depth: 0 });
    expect(summarisePathErrors([])).toBe('valid');
    expect(summarisePathErrors([e('CRL_NOT_FOUND')])).toBe('unknown');
    expect(summarisePathErrors([e('CRL_NOT_FOUND'), e('CERT_REVOKED')])).toBe('revoked');
    expect(summarisePathErrors([e('CERT_REVOKED'), e('CERT_EXPIRED')])).toBe('expired');
    expect(summarisePathErrors([e('CERT_EXPIRED'), e('NOT_A_CA')])).toBe('invalid');
  });
});
