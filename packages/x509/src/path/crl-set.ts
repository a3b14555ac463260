import type { ParsedCertificate } from '../cert/types.js';
import { verifySignature } from '../crypto/signature.js';
import { readTlv } from '../der/tlv.js';
import { X509Error } from '../errors.js';
import { isPem, pemToDer, scanCrlBuffer } from '../crl/index.js';
import type { CrlEntryView, CrlScanResult } from '../crl/types.js';
import { serialFromDer } from '../serial.js';
import type { CrlInput } from './types.js';

/** One revoked entry of interest, copied out of the scanner's reused view. */
export interface ListedEntry {
  /** CRLReason code, or -1 when the entry has no reasonCode (counts as unspecified) */
  reason: number;
  revocationDateMs: number;
}

/** A CRL scanned once: its header and extensions, and the entries for the serials of the certificates being validated. */
export interface LoadedCrl {
  /** the caller's label, or `CRL #n` (1-based, in input order) */
  label: string;
  scan: CrlScanResult;
  /** entries whose serial is one of the serials asked for; the first entry wins when a serial repeats */
  listed: Map<bigint, ListedEntry>;
  /** exactly the tbsCertList bytes the signature covers */
  tbs: Uint8Array;
}

/** Serials up to 2^48 are matched as numbers: the scanner's fast path, no BigInt per entry of a CRL of millions. */
const SMALL_SERIAL_LIMIT = 2n ** 48n;

/**
 * Scans every CRL once with the streaming scanner (the engine's only CRL parser) and keeps, per CRL, only the entries for `serials`
 * — the certificates that could be on it — so memory stays small whatever the CRL's size. A CRL that cannot be parsed at all throws
 * X509Error CRL_MALFORMED naming it; everything else about usability is left to the caller (see `scan.problems`).
 */
export function loadCrls(inputs: readonly CrlInput[], serials: ReadonlySet<bigint>): LoadedCrl[] {
  const small = new Set<number>();
  for (const s of serials) if (s >= 0n && s < SMALL_SERIAL_LIMIT) small.add(Number(s));
  return inputs.map((input, i) => {
    const raw = input instanceof Uint8Array ? input : input.bytes;
    const label = input instanceof Uint8Array ? `CRL #${i + 1}` : input.label;
    const listed = new Map<bigint, ListedEntry>();
    const onEntry = (e: CrlEntryView): void => {
      let serial: bigint;
      if (e.serialNumber >= 0) {
        if (!small.has(e.serialNumber)) return;
        serial = BigInt(e.serialNumber);
      } else {
        serial = serialFromDer(e.buf, e.serialStart, e.serialEnd);
        if (!serials.has(serial)) return;
      }
      if (!listed.has(serial)) listed.set(serial, { reason: e.reason, revocationDateMs: e.revocationDate });
    };
    try {
      // Converted here rather than inside the scanner so that the signed bytes can be sliced from the same buffer.
      const bytes = isPem(raw) ? pemToDer(raw) : raw;
      const scan = scanCrlBuffer(bytes, { onEntry });
      const tbsTlv = readTlv(bytes, scan.header.tbsOffset, bytes.length, 'tbsCertList');
      return { label, scan, listed, tbs: bytes.subarray(tbsTlv.start, tbsTlv.contentEnd) };
    } catch (e) {
      throw new X509Error('CRL_MALFORMED', `${label}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  });
}

/** Remembers which key verified which CRL: a CRL is checked against each candidate signer at most once. */
export class CrlSignatureCache {
  private readonly results = new Map<LoadedCrl, Map<ParsedCertificate, boolean>>();

  verify(crl: LoadedCrl, signer: ParsedCertificate): boolean {
    let bySigner = this.results.get(crl);
    if (!bySigner) this.results.set(crl, (bySigner = new Map()));
    let ok = bySigner.get(signer);
    if (ok === undefined) {
      const { header, signatureValue } = crl.scan;
      ok =
        header.signatureAlgorithmSupported &&
        signer.publicKey !== null &&
        verifySignature(header.signatureAlgorithm, signer.publicKey, crl.tbs, signatureValue);
      bySigner.set(signer, ok);
    }
    return ok;
  }
}
