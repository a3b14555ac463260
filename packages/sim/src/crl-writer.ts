import { createSign, type KeyObject } from 'node:crypto';
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

/**
 * Streams a v2 CRL to `sink` without holding its entries: a first pass over the source sums the entry lengths (DER needs
 * every length before the content), the second encodes entries into 1 MiB buffers, hashing each buffer into the signature
 * as it goes. The sink is not ended.
 *
 * ```asn1
 * CertificateList ::= SEQUENCE { tbsCertList TBSCertList, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
 * TBSCertList ::= SEQUENCE {
 *   version Version OPTIONAL (v2), signature AlgorithmIdentifier, issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
 *   revokedCertificates SEQUENCE OF SEQUENCE {
 *     userCertificate CertificateSerialNumber, revocationDate Time, crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *   crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 * ```
 */
export async function writeCrlStream(doc: CrlDocument, source: () => EntrySource, sink: Writable): Promise<CrlWriteStats> {
  const encoder = new EntryEncoder();
  const entry: EntryFields = { serial: 0, revokedAtSeconds: 0, reasonCode: 0, invalidityAtSeconds: -1 };

  let entriesLength = 0;
  let entries = 0;
  for (const first = source(); first.next(entry); entries++) entriesLength += encoder.length(entry);

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

  const signer = createSign('sha256');
  let bytes = 0;
  const emit = async (chunk: Uint8Array, signed: boolean): Promise<void> => {
    if (signed) signer.update(chunk);
    bytes += chunk.length;
    await push(sink, chunk);
  };

  await emit(Uint8Array.of(TAG.SEQUENCE, ...encodeLength(outerContentLength)), false);
  await emit(Buffer.concat([tbsHeader, ...head, revokedHeader]), true);

  const second = source();
  let more = entries > 0;
  while (more) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let pos = 0;
    while (pos <= CHUNK_BYTES - MAX_ENTRY_BYTES) {
      more = second.next(entry);
      if (!more) break;
      pos = encoder.write(chunk, pos, entry);
    }
    if (pos > 0) await emit(chunk.subarray(0, pos), true);
  }

  await emit(crlExtensions, true);
  const signature = new Uint8Array(signer.sign(doc.signingKey));
  if (doc.corruptSignature) signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01;
  if (signature.length !== signatureLength) throw new RangeError(`signature is ${signature.length} bytes, expected ${signatureLength}`);
  await emit(Buffer.concat([SHA256_WITH_RSA, Uint8Array.of(TAG.BIT_STRING, ...encodeLength(signatureLength + 1), 0), signature]), false);
  if (bytes !== 1 + encodeLength(outerContentLength).length + outerContentLength) {
    throw new RangeError(`CRL length pass disagrees with the writing pass (${bytes} bytes written)`);
  }
  return { entries, bytes };
}
