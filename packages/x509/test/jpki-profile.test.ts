import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { format, inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OID,
  X509Error,
  buildJpkiSubjectAltName,
  ia5String,
  jpkiKind,
  oid,
  parseCertificate,
  parseJpkiBirthDate,
  readJpkiBasicDetails,
  revealJpkiBasicDetails,
  sequence,
  tlv,
  utf8String,
  printableString,
  type JpkiBasicDetailsData,
  type ParsedCertificate,
} from '@jpki-validator/x509';
import { issue, makeTempDir, openssl, selfSigned, type Issued, type TempDir } from './cert-openssl-helpers.js';

// The real J-LIS roots, in shared/ beside the repository (as on every developer machine and in CI).
const ANCHORS = fileURLToPath(new URL('../../config/trust-anchors', import.meta.url));
const root = (name: string): ParsedCertificate => parseCertificate(readFileSync(`${ANCHORS}/${name}.pem`, 'utf8'));
const keyOf = (cert: ParsedCertificate) => {
  if (!cert.publicKey) throw new Error('no key');
  return cert.publicKey;
};

/** X509Error code and message of a call that must throw. */
function failure(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof X509Error) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an X509Error');
}

const taro: JpkiBasicDetailsData = {
  name: '山田 太郎',
  address: '東京都千代田区霞が関二丁目1番2号',
  birthDate: '1964-04-01',
  birthDateEra: 'showa',
  birthDatePrecision: 'day',
  birthDateSeason: null,
  birthDateRaw: '319640401',
  gender: 'male',
  genderRaw: '1',
  nameSubstituted: false,
  addressSubstituted: true,
};

describe('jpkiKind', () => {
  const sign2015 = root('sign_ca_2015');
  const sign2023 = root('sign_ca_2023');
  const auth2015 = root('auth_ca_2015');
  const auth2023 = root('auth_ca_2023');

  it('tells the real 2015 and 2023 roots apart by key, not by their shared name', () => {
    const opts = { signCaKeys: [keyOf(sign2015)], authCaKeys: [keyOf(auth2023)] };
    expect(jpkiKind(sign2015, opts)).toBe('sign');
    expect(jpkiKind(sign2023, opts)).toBe('other');
    expect(jpkiKind(auth2023, opts)).toBe('auth');
    expect(jpkiKind(auth2015, opts)).toBe('other');
    expect(jpkiKind(sign2023, { signCaKeys: [keyOf(sign2015), keyOf(sign2023)] })).toBe('sign');
    expect(jpkiKind(sign2023)).toBe('other');
  });

  describe('on certificates openssl issues', () => {
    let dir: TempDir;
    let caA: Issued;
    let caB: Issued;
    beforeAll(async () => {
      dir = await makeTempDir('jpki-kind');
      const ca = 'basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign';
      // Two generations of one CA: the same subject DN, different keys.
      caA = await selfSigned(dir, { name: 'caA', subject: '/C=JP/O=JPKI/OU=JPKI for digital signature', key: 'ec-p256', extensions: ca });
      caB = await selfSigned(dir, { name: 'caB', subject: '/C=JP/O=JPKI/OU=JPKI for digital signature', key: 'ec-p256', extensions: ca });
    });
    afterAll(async () => dir.remove());

    it('reads the kind from the certificate policy', async () => {
      const sign = await issue(dir, caA, {
        name: 'sign',
        subject: '/CN=s',
        key: 'ec-p256',
        extensions: `certificatePolicies = ${OID.jpki_policy_sign}`,
      });
      const auth = await issue(dir, caA, {
        name: 'auth',
        subject: '/CN=a',
        key: 'ec-p256',
        extensions: `certificatePolicies = ${OID.jpki_policy_auth}`,
      });
      const other = await issue(dir, caA, {
        name: 'other',
        subject: '/CN=o',
        key: 'ec-p256',
        extensions: 'certificatePolicies = 1.3.6.1.4.1.99999.1',
      });
      expect(jpkiKind(parseCertificate(sign.der))).toBe('sign');
      expect(jpkiKind(parseCertificate(auth.der))).toBe('auth');
      expect(jpkiKind(parseCertificate(other.der))).toBe('other');
    });

    it('falls back to the issuing key when there is no JPKI policy', async () => {
      const leaf = parseCertificate((await issue(dir, caB, { name: 'leafB', subject: '/CN=b', key: 'ec-p256' })).der);
      const keyA = keyOf(parseCertificate(caA.der));
      const keyB = keyOf(parseCertificate(caB.der));
      expect(parseCertificate(caA.der).subject.der).toEqual(parseCertificate(caB.der).subject.der);
      expect(jpkiKind(leaf, { signCaKeys: [keyA] })).toBe('other');
      expect(jpkiKind(leaf, { signCaKeys: [keyA], authCaKeys: [keyB] })).toBe('auth');
      expect(jpkiKind(leaf, { signCaKeys: [keyA, keyB] })).toBe('sign');
      // an RSA key never "verifies" an ECDSA signature: no crash, just not issued by it
      expect(jpkiKind(leaf, { signCaKeys: [keyOf(sign2015)] })).toBe('other');
    });
  });
});

describe('parseJpkiBirthDate', () => {
  it.each([
    ['319640401', '1964-04-01', 'showa', 'day', null],
    ['119120729', '1912-07-29', 'meiji', 'day', null],
    ['219250300', '1925-03', 'taisho', 'month', null],
    ['419890000', '1989', 'heisei', 'year', null],
    ['520240229', '2024-02-29', 'reiwa', 'day', null],
    ['000000000', null, 'unknown', 'unknown', null],
    ['019700000', '1970', 'unknown', 'year', null],
    // what a register holds that is not a date: never an error, the known part with its precision
    ['31950春00', '1950', 'showa', 'season', 'spring'],
    ['31950夏00', '1950', 'showa', 'season', 'summer'],
    ['31950秋季00', '1950', 'showa', 'season', 'autumn'],
    ['31950winter', '1950', 'showa', 'season', 'winter'],
    ['319640231', '1964-02', 'showa', 'month', null],
    ['520230229', '2023-02', 'reiwa', 'month', null],
    ['319641301', '1964', 'showa', 'year', null],
    ['319640001', '1964', 'showa', 'year', null],
    ['300000401', null, 'showa', 'unknown', null],
    ['31964041', '1964-04', 'showa', 'month', null],
    ['3196404011', '1964-04-01', 'showa', 'day', null],
    ['x19640401', '1964-04-01', 'unknown', 'day', null],
    ['619640401', '1964-04-01', 'unknown', 'day', null],
    ['', null, 'unknown', 'unknown', null],
    ['不詳', null, 'unknown', 'unknown', null],
  ])('%s → %s (%s, %s)', (value, birthDate, era, precision, season) => {
    expect(parseJpkiBirthDate(value)).toEqual({
      birthDate,
      birthDateEra: era,
      birthDatePrecision: precision,
      birthDateSeason: season,
      birthDateRaw: value,
    });
  });
});

describe('readJpkiBasicDetails', () => {
  let dir: TempDir;
  let ca: Issued;
  beforeAll(async () => {
    dir = await makeTempDir('jpki-details');
    ca = await selfSigned(dir, {
      name: 'ca',
      subject: '/CN=Sim JPKI Sign CA',
      key: 'ec-p256',
      extensions: 'basicConstraints = critical,CA:TRUE',
    });
  });
  afterAll(async () => dir.remove());

  /** A copy of a parsed certificate whose subjectAltName is `san` (readJpkiBasicDetails reads only the extension). */
  const withSan = (san: Uint8Array): ParsedCertificate => {
    const base = root('sign_ca_2023');
    const others = base.extensions.filter((e) => e.oid !== OID.id_ce_subjectAltName);
    return { ...base, extensions: [...others, { oid: OID.id_ce_subjectAltName, critical: false, value: san, known: true }] };
  };
  const otherName = (typeId: string, value: Uint8Array) => tlv(0xa0, oid(typeId), tlv(0xa0, value));

  it('reads the otherName values openssl writes (UTF8String, PrintableString, IA5String)', async () => {
    const issued = await issue(dir, ca, {
      name: 'sign-leaf',
      subject: '/C=JP/CN=12345678901234567890ABCDEFGHIJ',
      key: 'ec-p256',
      extensions: [
        `certificatePolicies = ${OID.jpki_policy_sign}`,
        'subjectAltName = @san',
        '[san]',
        `otherName.1 = ${OID.jpki_name};FORMAT:UTF8,UTF8:${taro.name}`,
        `otherName.2 = ${OID.jpki_birth_date};PRINTABLESTRING:319640401`,
        `otherName.3 = ${OID.jpki_gender};IA5STRING:1`,
        `otherName.4 = ${OID.jpki_address};FORMAT:UTF8,UTF8:${taro.address}`,
        `otherName.5 = ${OID.jpki_name_substitute};PRINTABLESTRING:00000`,
        `otherName.6 = ${OID.jpki_address_substitute};IA5STRING:0000100000000000`,
        'DNS.1 = example.test',
      ].join('\n'),
    });
    const cert = parseCertificate(issued.der);
    const details = readJpkiBasicDetails(cert);
    expect(details && revealJpkiBasicDetails(details)).toEqual(taro);
    expect(details?.name).toBe(taro.name);
    expect(jpkiKind(cert)).toBe('sign');
    // the rendered subjectAltName names the otherName types but never shows their values
    expect(cert.subjectAltName).toContain(`othername:${OID.jpki_address}`);
    expect(cert.subjectAltName?.join()).not.toContain('東京都');
    const text = await openssl(['x509', '-in', issued.certPath, '-noout', '-ext', 'subjectAltName']);
    // openssl shows UTF8String and IA5String othernames (not PrintableString ones): the same values we read
    expect(text).toContain(`${OID.jpki_name}::${taro.name}`);
    expect(text).toContain(`${OID.jpki_address}::${taro.address}`);
    expect(text).toContain(`${OID.jpki_gender}::1`);
  });

  it('returns null for a certificate without JPKI otherNames', () => {
    expect(readJpkiBasicDetails(root('auth_ca_2023'))).toBeNull();
    expect(readJpkiBasicDetails(withSan(sequence(tlv(0x82, new TextEncoder().encode('example.test')))))).toBeNull();
  });

  it('never prints the details by accident, but reveals them on request', () => {
    const details = readJpkiBasicDetails(withSan(buildJpkiSubjectAltName(taro)));
    if (!details) throw new Error('no details');
    const redacted = '[JPKI basic details redacted]';
    expect(JSON.stringify({ details })).toBe(`{"details":"${redacted}"}`);
    expect(inspect(details)).toBe(redacted);
    expect(inspect({ nested: { details } }, { depth: 5, showHidden: true })).not.toContain('山田');
    expect(format('%s %o %O %j', details, details, details, details)).not.toMatch(/山田|1964|東京/);
    expect(String(details)).toBe(redacted);
    expect(`${details}`).toBe(redacted);
    expect(Object.keys(details)).toEqual([]);
    expect({ ...details }).toEqual({});
    const plain = revealJpkiBasicDetails(details);
    expect(JSON.parse(JSON.stringify(plain))).toEqual(taro);
  });

  it('round-trips buildJpkiSubjectAltName through a certificate openssl signs', async () => {
    const cases: JpkiBasicDetailsData[] = [
      taro,
      {
        name: 'Ｊｏｈｎ Ｓｍｉｔｈ',
        address: '大阪府大阪市北区',
        birthDate: null,
        birthDateEra: 'unknown',
        birthDatePrecision: 'unknown',
        birthDateSeason: null,
        birthDateRaw: '000000000',
        gender: 'unknown',
        genderRaw: '3',
        nameSubstituted: true,
        addressSubstituted: false,
      },
      {
        name: '鈴木 花子',
        address: '北海道札幌市',
        birthDate: '2019-05',
        birthDateEra: 'reiwa',
        birthDatePrecision: 'month',
        birthDateSeason: null,
        birthDateRaw: '520190500',
        gender: 'female',
        genderRaw: '2',
        nameSubstituted: false,
        addressSubstituted: false,
      },
    ];
    for (const [i, details] of cases.entries()) {
      const sanHex = Buffer.from(buildJpkiSubjectAltName(details)).toString('hex');
      const issued = await issue(dir, ca, {
        name: `rt${i}`,
        subject: `/CN=rt${i}`,
        key: 'ec-p256',
        extensions: `subjectAltName = DER:${sanHex}`,
      });
      const read = readJpkiBasicDetails(parseCertificate(issued.der));
      expect(read && revealJpkiBasicDetails(read)).toEqual(details);
    }
  });

  it('reads whatever the birth date and gender say, and refuses only what cannot be decoded, without quoting it', () => {
    const full = (overrides: Record<string, Uint8Array>) => {
      const values: Record<string, Uint8Array> = {
        [OID.jpki_name]: utf8String('山田 太郎'),
        [OID.jpki_birth_date]: printableString('319640401'),
        [OID.jpki_gender]: printableString('1'),
        [OID.jpki_address]: utf8String('東京都'),
        ...overrides,
      };
      return withSan(
        sequence(
          ...Object.entries(values)
            .filter(([, v]) => v.length > 0)
            .map(([k, v]) => otherName(k, v)),
        ),
      );
    };
    const cases: [ParsedCertificate, RegExp][] = [
      [full({ [OID.jpki_address]: new Uint8Array() }), /has no address/],
      [full({ [OID.jpki_name]: tlv(0x1e, Uint8Array.of(0x5c, 0x71)) }), /string tag 0x1e; expected UTF8String/],
      [full({ [OID.jpki_name]: tlv(0x0c, Uint8Array.of(0xff, 0xfe)) }), /not valid UTF-8/],
      [full({ [OID.jpki_gender]: ia5String('\u00e9') }), /non-ASCII byte/],
      [withSan(sequence(otherName(OID.jpki_name, utf8String('a')), otherName(OID.jpki_name, utf8String('b')))), /repeats otherName/],
      [withSan(sequence(tlv(0xa0, oid(OID.jpki_name)))), /malformed JPKI subjectAltName: otherName needs type-id and value/],
    ];
    const readable = (overrides: Record<string, Uint8Array>) => {
      const details = readJpkiBasicDetails(full(overrides));
      return details && revealJpkiBasicDetails(details);
    };
    expect(readable({ [OID.jpki_gender]: printableString('4') })).toMatchObject({ gender: null, genderRaw: '4' });
    expect(readable({ [OID.jpki_birth_date]: printableString('3196404') })).toMatchObject({
      birthDate: '1964-04',
      birthDatePrecision: 'month',
      birthDateRaw: '3196404',
    });
    for (const [cert, why] of cases) {
      const err = failure(() => readJpkiBasicDetails(cert));
      expect(err.code).toBe('CERT_MALFORMED');
      expect(err.message).toMatch(why);
      expect(err.message).not.toMatch(/山田|東京|319640/);
    }
  });
});
