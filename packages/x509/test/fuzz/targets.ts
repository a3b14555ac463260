/**
 * What each fuzz target runs on one input, and the properties it must keep whatever the input:
 * - no crash: every failure is a typed X509Error (DerError, CERT_MALFORMED, OCSP_MALFORMED …), never a TypeError or RangeError;
 * - CRL scanner: the same outcome whole, one byte at a time, and in random pieces (code, byte offset and field of an error;
 *   entries, numbers, problems and signature of a scan);
 * - never usable: an altered input whose signed part differs from its seed's is never reported usable with a valid signature
 *   (a CRL `usable` + `valid`, a certificate whose signature verifies, an OCSP response that verifies) — that is a wrong good.
 * No hang and bounded memory are the runner's to enforce (run.ts: a worker thread with a heap limit and a deadline per case).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  CrlScanner,
  jpkiKind,
  parseCertificate,
  parseOcspResponse,
  readJpkiBasicDetails,
  readTlv,
  verifyCertificateSignature,
  verifyOcspResponse,
  X509Error,
  type CrlEntryView,
  type CrlScanResult,
  type ParsedCertificate,
} from '@jpki-validator/x509';
import type { Rng } from './prng.ts';

/** `harness` checks the runner itself: its seeds are named for what they do (`hang`, `grow`, `throw`, anything else is fine) */
export type FuzzTarget = 'crl' | 'cert' | 'ocsp' | 'harness';

/** One seed, as it crosses into a worker thread (plain data). */
export interface FuzzSeed {
  name: string;
  der: Uint8Array;
  /** crl, cert: the issuer's public key (SPKI PEM), null for a certificate whose issuer is not at hand */
  issuerKeyPem?: string | null;
  /** ocsp: the issuing CA's certificate (DER) and the time to verify at */
  issuerCertDer?: Uint8Array;
  nowMs?: number;
}

export interface CaseOutcome {
  /** the property broken, or null */
  violation: string | null;
  message: string;
  /** an altered input reported usable with a valid signature */
  wrongGood: boolean;
  /** the input parsed (a scan result, a certificate, a response) */
  accepted: boolean;
}

export interface PreparedSeed {
  name: string;
  der: Uint8Array;
  run(input: Uint8Array, rng: Rng): CaseOutcome;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;

const ok = (accepted: boolean): CaseOutcome => ({ violation: null, message: '', wrongGood: false, accepted });
const broken = (violation: string, message: string): CaseOutcome => ({ violation, message, wrongGood: false, accepted: false });

function describeThrow(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}` : String(e);
}

/** the signed part of a SEQUENCE { signed, algorithm, signature } at `der` */
function signedPart(der: Uint8Array): Uint8Array {
  const outer = readTlv(der, 0, der.length, 'outer');
  const inner = readTlv(der, outer.contentStart, outer.contentEnd, 'signed');
  return der.subarray(inner.start, inner.contentEnd);
}

// ---- CRL scanner ----

/** everything a scan reports, as one comparable string (entries folded into a hash: no object per entry) */
function crlScan(input: Uint8Array, key: KeyObject, splits: (len: number) => number[]): string {
  let h = 0x811c9dc5;
  const fold = (n: number): void => {
    h = Math.imul(h ^ (n & 0xffff), 16777619) >>> 0;
    h = Math.imul(h ^ (Math.floor(n / 65536) % 65536), 16777619) >>> 0;
  };
  let entries = 0;
  let headers = 0;
  const onEntry = (e: CrlEntryView): void => {
    entries++;
    for (let i = e.serialStart; i < e.serialEnd; i++) fold(e.buf[i] as number);
    fold(e.serialNumber);
    fold(e.reason);
    fold(e.revocationDate / 1000);
    fold(Number.isNaN(e.invalidityDate) ? -7 : e.invalidityDate / 1000);
    fold(e.certificateIssuerEnd - e.certificateIssuerStart);
    fold(e.index);
    fold(e.offset);
  };
  const scanner = new CrlScanner({ issuerKey: key, onEntry, onHeader: () => headers++ });
  let result: CrlScanResult;
  try {
    let from = 0;
    for (const to of [...splits(input.length), input.length]) {
      scanner.push(input.subarray(from, to));
      from = to;
    }
    result = scanner.end();
  } catch (e) {
    if (e instanceof X509Error) {
      const d = e as X509Error & { offset?: number; path?: string };
      return JSON.stringify({ error: d.code, offset: d.offset, path: d.path });
    }
    throw e;
  }
  if (entries !== result.entryCount) throw new Error(`onEntry called ${entries} times for entryCount ${result.entryCount}`);
  if (headers !== 1) throw new Error(`onHeader called ${headers} times`);
  return JSON.stringify({
    entries,
    hash: h,
    number: String(result.crlNumber),
    delta: String(result.deltaCrlIndicator),
    idp: result.issuingDistributionPoint?.fullName ?? null,
    problems: result.problems.map((p) => `${p.code}@${p.offset}`),
    signature: result.signature,
    usable: result.usable,
    bytes: result.byteLength,
    times: [result.header.thisUpdate.getTime(), result.header.nextUpdate?.getTime() ?? null],
    issuer: result.header.issuer.text,
    reasons: result.reasons,
  });
}

function prepareCrl(seed: FuzzSeed): PreparedSeed {
  if (!seed.issuerKeyPem) throw new Error(`CRL seed ${seed.name} has no issuer key`);
  const key = createPublicKey(seed.issuerKeyPem);
  const signed = signedPart(seed.der);
  const whole = (): number[] => [];
  const one = (len: number): number[] => Array.from({ length: Math.max(0, len - 1) }, (_, i) => i + 1);
  const seedScan = JSON.parse(crlScan(seed.der, key, whole)) as { usable?: boolean; signature?: string };
  if (seedScan.signature !== 'valid') throw new Error(`CRL seed ${seed.name} does not verify with its issuer key`);
  return {
    name: seed.name,
    der: seed.der,
    run(input, rng) {
      const random = (len: number): number[] => {
        const cuts: number[] = [];
        for (let p = rng.between(1, 64); p < len; p += rng.between(1, Math.max(2, len >> 2))) cuts.push(p);
        return cuts;
      };
      let outcomes: string[];
      try {
        outcomes = [crlScan(input, key, whole), crlScan(input, key, one), crlScan(input, key, random)];
      } catch (e) {
        return broken('crash', describeThrow(e));
      }
      const [a, b, c] = outcomes as [string, string, string];
      if (a !== b || a !== c) return broken('chunking', `whole ${a}\n1-byte ${b}\nrandom ${c}`);
      const scan = JSON.parse(a) as { usable?: boolean; signature?: string; error?: string };
      if (scan.usable === true && scan.signature === 'valid' && !sameBytes(signedPart(input), signed)) {
        return {
          violation: 'wrong-good',
          message: `altered CRL reported usable with a valid signature: ${a}`,
          wrongGood: true,
          accepted: true,
        };
      }
      return ok(scan.error === undefined);
    },
  };
}

// ---- certificate parser ----

function prepareCert(seed: FuzzSeed): PreparedSeed {
  const key = seed.issuerKeyPem ? createPublicKey(seed.issuerKeyPem) : null;
  const original = parseCertificate(seed.der);
  if (key !== null && !verifyCertificateSignature(original, key)) throw new Error(`certificate seed ${seed.name} does not verify`);
  return {
    name: seed.name,
    der: seed.der,
    run(input) {
      let cert: ParsedCertificate;
      try {
        cert = parseCertificate(input);
        jpkiKind(cert);
        readJpkiBasicDetails(cert);
      } catch (e) {
        return e instanceof X509Error ? ok(false) : broken('crash', describeThrow(e));
      }
      if (key === null) return ok(true);
      let verified: boolean;
      try {
        verified = verifyCertificateSignature(cert, key);
      } catch (e) {
        return e instanceof X509Error ? ok(true) : broken('crash', describeThrow(e));
      }
      if (verified && !sameBytes(cert.tbs, original.tbs)) {
        return { violation: 'wrong-good', message: 'altered certificate verifies', wrongGood: true, accepted: true };
      }
      return ok(true);
    },
  };
}

// ---- OCSP response parser ----

function prepareOcsp(seed: FuzzSeed): PreparedSeed {
  if (!seed.issuerCertDer || seed.nowMs === undefined) throw new Error(`OCSP seed ${seed.name} needs its CA and a time`);
  const issuer = parseCertificate(seed.issuerCertDer);
  const now = new Date(seed.nowMs);
  const original = parseOcspResponse(seed.der);
  const originalTbs = original.basic?.tbsResponseData ?? null;
  if (originalTbs !== null && !verifyOcspResponse(original, { issuer, now }).ok) throw new Error(`OCSP seed ${seed.name} does not verify`);
  return {
    name: seed.name,
    der: seed.der,
    run(input) {
      let response: ReturnType<typeof parseOcspResponse>;
      try {
        response = parseOcspResponse(input);
      } catch (e) {
        return e instanceof X509Error ? ok(false) : broken('crash', describeThrow(e));
      }
      let verified: boolean;
      try {
        // documented never to throw for an untrustworthy response: it lists problems instead
        verified = verifyOcspResponse(response, { issuer, now }).ok;
      } catch (e) {
        return broken('verify-threw', describeThrow(e));
      }
      const tbs = response.basic?.tbsResponseData ?? null;
      if (verified && (originalTbs === null || tbs === null || !sameBytes(tbs, originalTbs))) {
        return { violation: 'wrong-good', message: 'altered OCSP response verifies', wrongGood: true, accepted: true };
      }
      return ok(true);
    },
  };
}

// ---- the runner's own check: a case that never returns, one whose memory grows without bound, one that crashes ----

function prepareHarness(seed: FuzzSeed): PreparedSeed {
  return {
    name: seed.name,
    der: seed.der,
    run() {
      if (seed.name === 'hang') for (;;);
      if (seed.name === 'grow') {
        const hoard: number[][] = [];
        for (;;) hoard.push(new Array<number>(1 << 20).fill(hoard.length));
      }
      if (seed.name === 'throw') return broken('crash', 'TypeError: thrown on purpose');
      return ok(true);
    },
  };
}

export function prepareSeed(target: FuzzTarget, seed: FuzzSeed): PreparedSeed {
  switch (target) {
    case 'crl':
      return prepareCrl(seed);
    case 'cert':
      return prepareCert(seed);
    case 'ocsp':
      return prepareOcsp(seed);
    case 'harness':
      return prepareHarness(seed);
  }
}
