/**
 * The Digital Agency's test cards (テスト用マイナンバーカード) as the simulator issues them: the published table of
 * 利用者証明用 (auth) / 署名用 (sign) serial pairs, and its test patterns. Issued by the simulator's own 2023 card CAs
 * (`O=JPKI Simulator (not J-LIS)`): the serials and states are the table's, the keys and CAs are not J-LIS's.
 */
import type { CrlReason, JpkiBasicDetailsData } from '@jpki-validator/x509';
import type { IssuedCertificate } from './options.js';
import type { Simulator } from './simulator.js';

/** What a test certificate is meant to answer. */
export type TestCardState = 'valid' | 'expired' | 'revoked';

export interface TestCertificate {
  kind: 'sign' | 'auth';
  /** contract form (upper-case hex) */
  serial: string;
  state: TestCardState;
  /** for `revoked` */
  reason?: CrlReason;
}

export interface TestCard {
  /** short English name, stable (used in file names and tests) */
  name: string;
  /** what the table says, in Japanese */
  label: string;
  /** which table: the published card pairs, or the test patterns */
  table: 'cards' | 'patterns';
  certificates: readonly TestCertificate[];
  /** the signature certificate's 4 basic details (fictional) */
  details: JpkiBasicDetailsData;
}

const person = (name: string, birthDateRaw: string, birthDate: string | null, era: JpkiBasicDetailsData['birthDateEra']) =>
  ({
    name,
    address: '東京都千代田区模擬町一丁目1番1号',
    birthDate,
    birthDateEra: era,
    birthDateRaw,
    gender: 'female',
    nameSubstituted: false,
    addressSubstituted: false,
  }) satisfies JpkiBasicDetailsData;

const pair = (auth: string, sign: string, state: TestCardState, reason?: CrlReason): TestCertificate[] => [
  { kind: 'auth', serial: auth, state, ...(reason ? { reason } : {}) },
  { kind: 'sign', serial: sign, state, ...(reason ? { reason } : {}) },
];

/**
 * The table. The four cards carry the published serials; the published table gives no revocation reason for the revoked card
 * (it is listed here as `unspecified`). The test patterns carry serials of the simulator's own (7F00D1xx). How a register writes a
 * season where the month goes is not public: the simulator writes the kanji (`31950春00`), which the reader takes as it takes the
 * English word.
 */
export const TEST_CARDS: readonly TestCard[] = Object.freeze([
  {
    name: 'valid',
    label: '有効',
    table: 'cards',
    certificates: pair('7F00D011', '7F00D012', 'valid'),
    details: person('試験 花子', '419900815', '1990-08-15', 'heisei'),
  },
  {
    name: 'expired',
    label: '有効期限切れ',
    table: 'cards',
    certificates: pair('7F00D013', '7F00D014', 'expired'),
    details: person('試験 期限', '319850101', '1985-01-01', 'showa'),
  },
  {
    name: 'revoked',
    label: '失効',
    table: 'cards',
    certificates: pair('7F00D015', '7F00D016', 'revoked', 'unspecified'),
    details: person('試験 失効', '319700505', '1970-05-05', 'showa'),
  },
  {
    name: 'valid-second-person',
    label: '有効（別の人）',
    table: 'cards',
    certificates: pair('7F00D017', '7F00D018', 'valid'),
    details: person('試験 次郎', '520200202', '2020-02-02', 'reiwa'),
  },
  {
    name: 'moved',
    label: '転居（署名用のみ失効：基本4情報の変更）',
    table: 'patterns',
    certificates: [
      { kind: 'auth', serial: '7F00D101', state: 'valid' },
      { kind: 'sign', serial: '7F00D102', state: 'revoked', reason: 'superseded' },
    ],
    details: person('試験 転居', '319600606', '1960-06-06', 'showa'),
  },
  {
    name: 'sign-expired',
    label: '署名用電子証明書の有効期限切れ',
    table: 'patterns',
    certificates: [
      { kind: 'auth', serial: '7F00D103', state: 'valid' },
      { kind: 'sign', serial: '7F00D104', state: 'expired' },
    ],
    details: person('試験 署名', '419950303', '1995-03-03', 'heisei'),
  },
  {
    name: 'birth-date-unknown',
    label: '生年月日不詳',
    table: 'patterns',
    certificates: pair('7F00D105', '7F00D106', 'valid'),
    details: person('試験 不詳', '000000000', null, 'unknown'),
  },
  {
    name: 'month-day-unknown',
    label: '月日不詳',
    table: 'patterns',
    certificates: pair('7F00D107', '7F00D108', 'valid'),
    details: person('試験 月日', '319500000', '1950', 'showa'),
  },
  {
    name: 'spring-day-unknown',
    label: '月が「春」・日不詳',
    table: 'patterns',
    certificates: pair('7F00D109', '7F00D10A', 'valid'),
    details: person('試験 春子', '31950春00', '1950', 'showa'),
  },
  {
    name: 'summer-day-unknown',
    label: '月が「夏」・日不詳',
    table: 'patterns',
    certificates: pair('7F00D10B', '7F00D10C', 'valid'),
    details: person('試験 夏子', '31950夏00', '1950', 'showa'),
  },
]);

export interface IssuedTestCard {
  card: TestCard;
  certificates: (IssuedCertificate & { kind: 'sign' | 'auth'; state: TestCardState })[];
}

const YEAR_MS = 365 * 86_400_000;

/**
 * Issues every test certificate from the 2023 card CAs (`jpki-sign-2023`, `jpki-auth-2023`) and records the revocations in the
 * current generation. Expired ones ran from six years to one year ago (wall clock); the rest from an hour before the current generation for five years.
 * Idempotent on the serials: issuing again rewrites the same certificates.
 */
export async function issueTestCards(sim: Simulator, caYear = 2023): Promise<IssuedTestCard[]> {
  const out: IssuedTestCard[] = [];
  const now = Math.floor(Date.now() / 1000) * 1000;
  // as issueCertificate's default: valid before the current generation's CRL, so its revocations fall inside the validity
  const start = Math.min(now, sim.generationTime().getTime()) - 3_600_000;
  for (const card of TEST_CARDS) {
    const certificates: IssuedTestCard['certificates'] = [];
    for (const cert of card.certificates) {
      const ca = `jpki-${cert.kind}-${caYear}`;
      const expired = cert.state === 'expired';
      const notBefore = new Date(expired ? now - 6 * YEAR_MS : start);
      const notAfter = new Date(expired ? now - YEAR_MS : now + 5 * YEAR_MS);
      const issued = await sim.issueCertificate({
        ca,
        serial: cert.serial,
        notBefore,
        notAfter,
        commonName: `TEST CARD ${card.name}`,
        ...(cert.kind === 'sign' ? { details: card.details } : {}),
      });
      if (cert.state === 'revoked' && sim.status(ca, cert.serial).status !== 'revoked')
        await sim.revoke({ ca, serial: cert.serial, reason: cert.reason ?? 'unspecified' });
      certificates.push({ ...issued, kind: cert.kind, state: cert.state });
    }
    out.push({ card, certificates });
  }
  return out;
}
