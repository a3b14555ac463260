import { createSign, type KeyObject, type Sign } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { encodeLength, explicit, integer, sequence, time, TAG } from '@jpki-validator/x509';
import { SHA256_WITH_RSA } from './cert-builder.js';
import type { EntryFields } from './revocations.js';
import { EntryEncoder, MAX_ENTRY_BYTES } from './entry-encoder.js';

/** Anything that yields entries in serial order; called twice (a length pass, then a writing pass). */
export interface EntrySource {
  next(out: EntryFields): boolean;
}

export interface CrlDocument {
  /** Issuer Name DER. */
  issuer: Uint8Array;
  thisUpdate: Date;
  /** Absent: the CRL has no nextUpdate (legal in RFC 5280, "stale" under this project's contract). */
  nextUpdate?: Date;
  /** Encoded crlExtensions (cRLNumber, AKI, deltaCRLIndicator, IDP). */
  extensions: readonly Uint8Array[];
  signingKey: KeyObject;
  /** Test aid: flip a bit of the signature so verification must fail. */
  corruptSignature?: boolean;
}

export interface CrlWriteStats {
  entries: number;
  bytes: number;
}

/** 1 MiB: large enough that per-chunk overhead (hash update, stream write) vanishes, small enough to stay cache-friendly. */
const CHUNK_BYTES = 1 << 20;

const tlvLength = (contentLength: number): number => 1 + encodeLength(contentLength).length + contentLength;

/** Writes `chunk` and waits for the sink to drain when it asks to. */
async function push(sink: Writable, chunk: Uint8Array): Promise<void> {
  if (!sink.write(chunk)) await once(sink, 'drain');
}

/** The bytes of a CRL around its entries, given the entries' count and total length (DER needs every length up front). */
export interface CrlFrame {
  /** the outer CertificateList SEQUENCE header: not signed */
  outerHeader: Uint8Array;
  /** tbsCertList header, version … nextUpdate and the revokedCertificates header: signed, before the entries */
  signedHead: Uint8Array;
  /** crlExtensions: signed, after the entries */
  signedTail: Uint8Array;
  /** signatureAlgorithm and signatureValue, from the signature bytes */
  trailer(signature: Uint8Array): Uint8Array;
  /** the whole CRL's length */
  totalBytes: number;
}

/**
 * ```asn1
 * CertificateList ::= SEQUENCE { tbsCertList TBSCertList, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
 * TBSCertList ::= SEQUENCE {
 *   version Version OPTIONAL (v2), signature AlgorithmIdentifier, issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
 *   revokedCertificates SEQUENCE OF SEQUENCE {
 *     userCertificate CertificateSerialNumber, revocationDate Time, crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *   crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 * ```
 */
export function crlFrame(doc: CrlDocument, entries: number, entriesLength: number): CrlFrame {
  const head = [integer(1), SHA256_WITH_RSA, doc.issuer, time(doc.thisUpdate), ...(doc.nextUpdate ? [time(doc.nextUpdate)] : [])];
  const headLength = head.reduce((n, b) => n + b.length, 0);
  // RFC 5280 §5.1.2.6: with no revoked certificates the list is absent, not empty.
  const revokedHeader = entries > 0 ? Uint8Array.of(TAG.SEQUENCE, ...encodeLength(entriesLength)) : new Uint8Array(0);
  const crlExtensions = doc.extensions.length > 0 ? explicit(0, sequence(...doc.extensions)) : new Uint8Array(0);
  const tbsContentLength = headLength + revokedHeader.length + (entries > 0 ? entriesLength : 0) + crlExtensions.length;
  const tbsHeader = Uint8Array.of(TAG.SEQUENCE, ...encodeLength(tbsContentLength));
  const signatureLength = Math.ceil((doc.signingKey.asymmetricKeyDetails?.modulusLength ?? 2048) / 8);
  const signatureValueLength = tlvLength(signatureLength + 1);
  const outerContentLength = tbsHeader.length + tbsContentLength + SHA256_WITH_RSA.length + signatureValueLength;
  return {
    outerHeader: Uint8Array.of(TAG.SEQUENCE, ...encodeLength(outerContentLength)),
    signedHead: Buffer.concat([tbsHeader, ...head, revokedHeader]),
    signedTail: crlExtensions,
    trailer(signature) {
      if (signature.length !== signatureLength) throw new RangeError(`signature is ${signature.length} bytes, expected ${signatureLength}`);
      return Buffer.concat([SHA256_WITH_RSA, Uint8Array.of(TAG.BIT_STRING, ...encodeLength(signatureLength + 1), 0), signature]);
    },
    totalBytes: tlvLength(outerContentLength),
  };
}

/** Signs what `signer` has hashed, flipping a bit when the document asks for a broken signature. */
export function signDocument(doc: CrlDocument, signer: Sign): Uint8Array {
  const signature = new Uint8Array(signer.sign(doc.signingKey));
  if (doc.corruptSignature) signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01;
  return signature;
}

/** Entries' count and total encoded length, when a walk has already measured them. */
export interface EntryTotals {
  entries: number;
  entriesLength: number;
}

/**
 * Streams a v2 CRL to `sink` without holding its entries: a first pass over the source sums the entry lengths (unless `totals`
 * gives them), the second encodes entries into 1 MiB buffers, hashing each buffer into the signature as it goes. The sink is
 * not ended.
 */
export async function writeCrlStream(
  doc: CrlDocument,
  source: () => EntrySource,
  sink: Writable,
  totals?: EntryTotals,
): Promise<CrlWriteStats> {
  const encoder = new EntryEncoder();
  const entry: EntryFields = { serial: 0, revokedAtSeconds: 0, reasonCode: 0, invalidityAtSeconds: -1 };

  let entriesLength = totals?.entriesLength ?? 0;
  let entries = totals?.entries ?? 0;
  if (!totals) for (const first = source(); first.next(entry); entries++) entriesLength += encoder.length(entry);
  const frame = crlFrame(doc, entries, entriesLength);

  const signer = createSign('sha256');
  let bytes = 0;
  const emit = async (chunk: Uint8Array, signed: boolean): Promise<void> => {
    if (signed) signer.update(chunk);
    bytes += chunk.length;
    await push(sink, chunk);
  };

  await emit(frame.outerHeader, false);
  await emit(frame.signedHead, true);

  const second = source();
  let more = entries > 0;
  let written = 0;
  while (more) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let pos = 0;
    while (pos <= CHUNK_BYTES - MAX_ENTRY_BYTES) {
      more = second.next(entry);
      if (!more) break;
      pos = encoder.write(chunk, pos, entry);
      written++;
    }
    if (pos > 0) await emit(chunk.subarray(0, pos), true);
  }
  if (written !== entries) throw new RangeError(`CRL length pass counted ${entries} entries, the writing pass ${written}`);

  await emit(frame.signedTail, true);
  await emit(frame.trailer(signDocument(doc, signer)), false);
  if (bytes !== frame.totalBytes) throw new RangeError(`CRL length pass disagrees with the writing pass (${bytes} bytes written)`);
  return { entries, bytes };
}
