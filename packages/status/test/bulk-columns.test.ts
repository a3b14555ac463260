/**
 * The columnar bulk path answers exactly what `StatusResolver.checkMany` answers, row by row, on real simulator CRLs loaded into
 * the embedded store: two generations of a group (one also listing the other's serials: an anomaly), a CA with nothing loaded,
 * stale data, long serials beyond the bitmap, malformed serials, unknown issuers, and every serial spelling the contract allows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IssuerConfig } from '@jpki-validator/config';
import { initSimulator } from '@jpki-validator/sim';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { formatSerial, parseSerial, scanCrl, SerialError, serialFromDer, type CrlReason } from '@jpki-validator/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerSerialText,
  BulkStatusResolver,
  bulkStatusAnswer,
  createCaRegistry,
  NEEDS_FULL_PARSE,
  readSerialNumber,
  readSerialNumberBytes,
  SKIP_ROW,
  StatusResolver,
  type BulkColumns,
  type CaRegistry,
  type StatusAnswer,
} from '../src/index.js';

const POPULATION = 1500;
const LONG_SERIAL = 0x1234_5678_9abcn; // 12 hex digits: the fast reader's range, beyond the bitmap
const LONGER_SERIAL = 0x7_0000_0000_0000_0001n; // beyond the fast reader: parseSerial and a BigInt
const meaning = (reason: CrlReason): string => (reason === 'affiliationChanged' ? 'death_or_emigration' : reason);

let dir: string;
let store: EmbeddedRevocationStore;
let registry: CaRegistry;
let bases: Record<string, number>;

async function load(caId: string, partition: string, file: string, extraLong: readonly bigint[] = []): Promise<void> {
  const loader = await store.beginLoad({ caId, partition, source: file });
  const result = await scanCrl((await import('node:fs')).createReadStream(file), {
    onEntry: (e) => {
      if (e.serialNumber >= 0) loader.add(e.serialNumber, e.reason, e.revocationDate, e.invalidityDate);
      else loader.addLong(serialFromDer(e.buf, e.serialStart, e.serialEnd), e.reason, e.revocationDate, e.invalidityDate);
    },
  });
  for (const serial of extraLong) loader.addLong(serial, 3, Date.UTC(2024, 0, 2, 3, 4, 5), Number.NaN);
  await loader.commit({
    crlNumber: result.crlNumber ?? 0n,
    thisUpdateMs: result.header.thisUpdate.getTime(),
    nextUpdateMs: result.header.nextUpdate?.getTime() ?? null,
    isDelta: false,
  });
}

function issuer(id: string, group: string, caCertPath: string, partitions: string[]): IssuerConfig {
  return {
    id,
    group,
    caCertPath,
    partitions: partitions.map((name) => ({ name, source: name, scope: 'partition' as const, uris: [], dirNames: [] })),
    ocsp: null,
    refresh: { intervalMs: 60_000 },
    fetch: { concurrency: 8, attempts: 3, backoffMs: 1_000 },
    freshness: { graceSeconds: 0, skewSeconds: 300 },
    mode: 'crl-only',
    retired: false,
    kind: null,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulk-columns-'));
  const sim = await initSimulator({
    dir: join(dir, 'sim'),
    seed: 11,
    populationPerCa: POPULATION,
    revokedRate: 0.3,
    generations: [2015, 2023],
    kinds: ['sign', 'auth'],
    partitions: 0,
  });
  bases = Object.fromEntries(sim.listCas().map((ca) => [ca.id, ca.serialBase]));
  store = await openEmbeddedStore();
  const crl = async (ca: string) => {
    const out = join(dir, `${ca}.crl`);
    await sim.writeCrl({ ca, out });
    return out;
  };
  const sign2015 = await crl('jpki-sign-2015');
  const sign2023 = await crl('jpki-sign-2023');
  await load('jpki-sign-2015', 'own', sign2015);
  // the 2023 CRL also as a partition of 2015: every serial 2023 lists is then listed by both CAs of the group (an anomaly)
  await load('jpki-sign-2015', 'copy', sign2023);
  await load('jpki-sign-2023', 'own', sign2023, [LONG_SERIAL, LONGER_SERIAL]);
  registry = await createCaRegistry([
    issuer('jpki-sign-2015', 'jpki-sign', sim.caCertificatePath('jpki-sign-2015'), ['own', 'copy']),
    issuer('jpki-sign-2023', 'jpki-sign', sim.caCertificatePath('jpki-sign-2023'), ['own']),
    // configured, nothing loaded: issuer_not_loaded
    issuer('jpki-auth-2023', 'jpki-auth', sim.caCertificatePath('jpki-auth-2023'), ['own']),
  ]);
});

afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const hex = (n: number) => n.toString(16).toUpperCase();

/** every seeded serial of both sign generations, asked by id and by group, plus the awkward ones */
function questions(): Array<{ issuer: string; serial: string }> {
  const qs: Array<{ issuer: string; serial: string }> = [];
  for (const ca of ['jpki-sign-2015', 'jpki-sign-2023']) {
    for (let i = 0; i < POPULATION; i++) {
      const serial = hex((bases[ca] as number) + i);
      qs.push({ issuer: 'jpki-sign', serial }, { issuer: ca, serial });
    }
  }
  const listed = hex((bases['jpki-sign-2023'] as number) + 1);
  for (const serial of [
    `0x${listed}`,
    `0X${listed.toLowerCase()}`,
    `000${listed}`,
    ` ${listed} `,
    `\u00a0${listed}`,
    listed.toLowerCase(),
    formatSerial(LONG_SERIAL),
    formatSerial(LONGER_SERIAL),
    `0x${formatSerial(LONGER_SERIAL)}`,
    'FFFFFFFF',
    '100000000',
    '0',
    '00',
    '0x',
    '',
    ' ',
    'not-hex',
    '12 34',
    'A'.repeat(40),
    'A'.repeat(41),
    '１２',
    '-1',
  ]) {
    for (const issuerName of ['jpki-sign', 'jpki-sign-2023', 'jpki-auth-2023', 'jpki-auth', 'no-such-ca'])
      qs.push({ issuer: issuerName, serial });
  }
  return qs;
}

/** the bulk path's answers, rebuilt as full answers (checkedAt given) */
function bulkAnswers(
  resolver: BulkStatusResolver,
  qs: ReadonlyArray<{ issuer: string; serial: string }>,
  checkedAt: string,
): StatusAnswer[] {
  const n = qs.length;
  const handles = new Int32Array(n);
  const serials = new Float64Array(n);
  const texts: Array<string | undefined> = new Array(n);
  qs.forEach((q, i) => {
    handles[i] = resolver.issuerHandle(q.issuer);
    serials[i] = readSerialNumber(q.serial, 0, q.serial.length);
    if (serials[i] === NEEDS_FULL_PARSE) texts[i] = q.serial;
  });
  const out: BulkColumns = { outcome: new Int32Array(n), revokedAtMs: new Float64Array(n), invalidityMs: new Float64Array(n) };
  const round = resolver.round();
  // in two slices, as a pipeline asks
  round.answer(handles, serials, texts, 0, n >> 1, out);
  round.answer(handles, serials, texts, n >> 1, n, out);
  return qs.map((q, i) =>
    bulkStatusAnswer(resolver.outcomes[out.outcome[i] as number] ?? expect.fail(`row ${i}: no outcome`), {
      issuer: q.issuer,
      serial: answerSerialText(q.serial),
      revokedAtMs: out.revokedAtMs[i] as number,
      invalidityMs: out.invalidityMs[i] as number,
      checkedAt,
    }),
  );
}

describe('BulkStatusResolver', () => {
  it.each([
    ['fresh data', () => Date.now()],
    ['stale data (a week later)', () => Date.now() + 7 * 86_400_000],
  ])('answers every row exactly as checkMany does (%s)', async (_what, now) => {
    const snapshots = { snapshot: (caId: string) => store.snapshot(caId) };
    const reference = new StatusResolver({ registry, snapshots, ocsp: null, meaning, now });
    const bulk = new BulkStatusResolver({ registry, snapshots, meaning, now });
    const qs = questions();
    const expected = (await reference.checkMany(qs)).map((a) => ({ ...a, checkedAt: 'T' }));
    const got = bulkAnswers(bulk, qs, 'T');
    for (let i = 0; i < qs.length; i++) expect({ i, q: qs[i], a: got[i] }).toEqual({ i, q: qs[i], a: expected[i] });
    // the run covered what it claims to
    const statuses = new Set(got.map((a) => `${a.status}/${a.detail ?? ''}/${a.anomaly === true}`));
    const kinds =
      now() > Date.now() + 86_400_000 ? ['revoked//true', 'unknown/crl_stale/false'] : ['good//false', 'revoked//true', 'revoked//false'];
    for (const k of [...kinds, 'unknown/malformed_serial/false', 'unknown/issuer_unknown/false', 'unknown/issuer_not_loaded/false'])
      expect(statuses).toContain(k);
    expect(got.some((a) => a.serial === formatSerial(LONG_SERIAL) && a.status === 'revoked')).toBe(true);
    expect(got.some((a) => a.serial === formatSerial(LONGER_SERIAL) && a.status === 'revoked')).toBe(true);
  });

  it('answers store_unavailable for every CA while the store is down, and leaves SKIP_ROW rows alone', () => {
    const snapshots = { snapshot: (caId: string) => store.snapshot(caId) };
    const bulk = new BulkStatusResolver({ registry, snapshots, meaning, storeAvailable: () => false });
    const serial = (bases['jpki-sign-2023'] as number) + 1;
    const out: BulkColumns = { outcome: new Int32Array([-7, -7]), revokedAtMs: new Float64Array(2), invalidityMs: new Float64Array(2) };
    bulk.round().answer(new Int32Array([bulk.issuerHandle('jpki-sign'), SKIP_ROW]), new Float64Array([serial, serial]), null, 0, 2, out);
    expect(bulk.outcomes[out.outcome[0] as number]).toMatchObject({ status: 'unknown', detail: 'store_unavailable', source: null });
    expect(out.outcome[1]).toBe(-7);
  });
});

describe('readSerialNumber', () => {
  it('reads the plain form exactly as parseSerial does (from text and from UTF-8 bytes), and sends everything else to it', () => {
    const inputs = [
      '7000001',
      '0x7000001',
      '0X0a',
      '000',
      '0',
      'abcdef',
      'ABCDEF0123456',
      '1ABCDEF0123456',
      '0000000000000000000001',
      '0x',
      '',
      ' 1',
      '1 ',
      'g',
      '-1',
      '１',
      '0x0x1',
    ];
    for (const text of inputs) {
      const line = `id,${text},x`;
      const fast = readSerialNumber(line, 3, 3 + text.length);
      let slow: bigint | null;
      try {
        slow = parseSerial(text);
      } catch (error) {
        if (!(error instanceof SerialError)) throw error;
        slow = null;
      }
      expect(readSerialNumberBytes(Buffer.from(line, 'utf8'), 3, 3 + Buffer.byteLength(text))).toBe(fast);
      if (fast === NEEDS_FULL_PARSE) expect(['', '0x', ' 1', '1 ', 'g', '-1', '１', '0x0x1', '1ABCDEF0123456']).toContain(text);
      else expect(BigInt(fast)).toBe(slow);
    }
  });
});
