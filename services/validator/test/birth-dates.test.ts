/**
 * Birth dates never make a certificate unreadable. Leaf certificates made by OpenSSL (`openssl req` + `openssl x509 -req` with a
 * config carrying the JPKI otherName subjectAltName), signed by the simulator's signature CA, one per register pattern — era 0,
 * month or day 00, a season, values out of range, text that is no date at all, a gender code out of range — and one whose
 * subjectAltName cannot be decoded: `/v1/validate` judges every one (valid, from the loaded CRL), and `cert inspect --show-personal`
 * (the real binary) gives the details with their precision and raw text, or, for the undecodable one, the certificate without them.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildService,
  loadCrlFile,
  simWorld,
  tempDir,
  writeConfig,
  writePartitionCrls,
  type SimWorld,
  type TestService,
} from './helpers.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../apps/cli/bin/jpki-validator.js', import.meta.url));
const SIGN_POLICY = '1.2.392.200149.8.5.1.1.20';

interface Pattern {
  name: string;
  /** the otherName value as OpenSSL's config writes it (`PRINTABLESTRING:…` or `UTF8:…`) */
  birthDate: string;
  gender?: string;
  expected: Record<string, unknown>;
}

const PATTERNS: Pattern[] = [
  {
    name: 'full',
    birthDate: 'PRINTABLESTRING:319640401',
    expected: { birthDate: '1964-04-01', birthDatePrecision: 'day', birthDateEra: 'showa' },
  },
  {
    name: 'era0-unknown',
    birthDate: 'PRINTABLESTRING:000000000',
    expected: { birthDate: null, birthDatePrecision: 'unknown', birthDateEra: 'unknown' },
  },
  { name: 'month-day-00', birthDate: 'PRINTABLESTRING:319500000', expected: { birthDate: '1950', birthDatePrecision: 'year' } },
  { name: 'day-00', birthDate: 'PRINTABLESTRING:319500400', expected: { birthDate: '1950-04', birthDatePrecision: 'month' } },
  { name: 'spring', birthDate: 'UTF8:31950春00', expected: { birthDate: '1950', birthDatePrecision: 'season', birthDateSeason: 'spring' } },
  { name: 'summer', birthDate: 'UTF8:31950夏00', expected: { birthDate: '1950', birthDatePrecision: 'season', birthDateSeason: 'summer' } },
  { name: 'month-13', birthDate: 'PRINTABLESTRING:319501301', expected: { birthDate: '1950', birthDatePrecision: 'year' } },
  { name: 'feb-30', birthDate: 'PRINTABLESTRING:319500230', expected: { birthDate: '1950-02', birthDatePrecision: 'month' } },
  { name: 'era-9', birthDate: 'PRINTABLESTRING:919500101', expected: { birthDate: '1950-01-01', birthDateEra: 'unknown' } },
  { name: 'no-date', birthDate: 'UTF8:昭和25年頃', expected: { birthDate: null, birthDatePrecision: 'unknown' } },
  {
    name: 'gender-9',
    birthDate: 'PRINTABLESTRING:319640401',
    gender: '9',
    expected: { gender: null, genderRaw: '9', birthDatePrecision: 'day' },
  },
];

let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let store: EmbeddedRevocationStore;
let svc: TestService;
const files = new Map<string, string>();

/** an OpenSSL-made leaf signed by the simulator's jpki-sign-2023 key, with `san` as its subjectAltName config lines */
async function opensslLeaf(name: string, serial: number, san: string): Promise<string> {
  const dir = tmp.path;
  const cnf = join(dir, `${name}.cnf`);
  await writeFile(
    cnf,
    `[req]\ndistinguished_name = dn\nutf8 = yes\n[dn]\n[ext]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,nonRepudiation\ncertificatePolicies = ${SIGN_POLICY}\n${san}\n`,
  );
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const pem = join(dir, `${name}.pem`);
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-subj',
    `/C=JP/CN=${name}`,
    '-config',
    cnf,
    '-out',
    csr,
  ]);
  const caKey = join(world.sim.dir, 'keys', 'jpki-sign-2023.key.pem');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    world.sim.caCertificatePath('jpki-sign-2023'),
    '-CAkey',
    caKey,
    '-set_serial',
    String(serial),
    '-days',
    '30',
    '-sha256',
    '-extfile',
    cnf,
    '-extensions',
    'ext',
    '-out',
    pem,
  ]);
  return pem;
}

beforeAll(async () => {
  tmp = await tempDir('birth');
  world = await simWorld(tmp.path);
  let serial = 0x7f00e001;
  for (const p of PATTERNS) {
    const san = [
      'subjectAltName = @san',
      '[san]',
      'otherName.1 = 1.2.392.200149.8.5.5.1;FORMAT:UTF8,UTF8:試験 花子',
      `otherName.2 = 1.2.392.200149.8.5.5.4;${p.birthDate.startsWith('UTF8:') ? `FORMAT:UTF8,${p.birthDate}` : p.birthDate}`,
      `otherName.3 = 1.2.392.200149.8.5.5.3;PRINTABLESTRING:${p.gender ?? '2'}`,
      'otherName.4 = 1.2.392.200149.8.5.5.5;FORMAT:UTF8,UTF8:東京都千代田区模擬町1番地',
    ].join('\n');
    files.set(p.name, await opensslLeaf(p.name, serial++, san));
  }
  // a subjectAltName whose DER is broken: a SEQUENCE claiming more bytes than it holds
  files.set('undecodable', await opensslLeaf('undecodable', serial++, 'subjectAltName = DER:30050401'));
  store = await openEmbeddedStore({ dataDir: join(tmp.path, 'store') });
  const crls = await writePartitionCrls(world, 'jpki-sign-2023');
  for (const c of crls) await loadCrlFile(store, 'jpki-sign-2023', c.name, c.source);
  const file = await writeConfig(tmp.path, 'birth', [
    { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: world.sim.caCertificatePath('jpki-sign-2023'), crls },
  ]);
  svc = await buildService(file, store, store.kv);
}, 120_000);

afterAll(async () => {
  await store?.close();
  await world?.close();
  await tmp?.remove();
});

async function validate(name: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const certificate = await readFile(files.get(name) ?? '', 'utf8');
  const res = await svc.app.request('/v1/validate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ certificate }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function inspect(name: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [BIN, 'cert', 'inspect', files.get(name) ?? '', '--show-personal']);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('birth dates never make a certificate unreadable', () => {
  it.each(PATTERNS.map((p) => [p.name, p] as const))('%s: /v1/validate judges it, cert inspect reads the details', async (_name, p) => {
    const report = await validate(p.name);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      result: 'valid',
      certificate: { kind: 'sign', caId: 'jpki-sign-2023' },
      status: { status: 'good' },
    });
    const described = await inspect(p.name);
    expect(described.kind).toBe('sign');
    expect(described.basicDetails).toMatchObject({
      name: '試験 花子',
      ...p.expected,
      birthDateRaw: p.birthDate.replace(/^[A-Z0-9]+:/, ''),
    });
  });

  it('a subjectAltName that cannot be decoded costs only the details, not the certificate', async () => {
    const report = await validate('undecodable');
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ result: 'valid', certificate: { kind: 'sign' } });
    const described = await inspect('undecodable');
    expect(described).toMatchObject({ kind: 'sign', basicDetails: null });
    expect(described.basicDetailsError).toMatch(/subjectAltName/);
  });
});
