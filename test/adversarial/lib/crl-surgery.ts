/**
 * Semantic CRL cases: a genuine CRL taken apart, one thing changed, and signed again with the CA's own key — so the signature,
 * issuer and key identifier are all right and only the meaning is wrong. This is what a CA fault, a compromised signing
 * pipeline or a confused partition export looks like to the fetcher; the simulator's CA key is in its data directory.
 */
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bitString, decodeOid, explicit, readChildren, readTlv, sequence, type Tlv } from '@jpki-validator/x509';

/** tbsCertList taken apart: every part as its DER element, entries and extensions each as their own element */
export interface TbsParts {
  /** version, signature, issuer, thisUpdate, nextUpdate (as present) */
  head: Uint8Array[];
  entries: Uint8Array[];
  /** crlExtensions' Extension elements, in order */
  extensions: Uint8Array[];
  /** the outer signatureAlgorithm, DER */
  algorithm: Uint8Array;
}

const element = (der: Uint8Array, t: Tlv): Uint8Array => der.slice(t.start, t.contentEnd);

export function takeApart(crl: Uint8Array): TbsParts {
  const outer = readTlv(crl, 0, crl.length, 'crl');
  const [tbs, algorithm] = readChildren(crl, outer, 'crl');
  if (!tbs || !algorithm) throw new Error('not a CertificateList');
  const head: Uint8Array[] = [];
  let entries: Uint8Array[] = [];
  let extensions: Uint8Array[] = [];
  for (const part of readChildren(crl, tbs, 'tbs')) {
    if (part.tag === 0xa0) {
      const seq = readTlv(crl, part.contentStart, part.contentEnd, 'crlExtensions');
      extensions = readChildren(crl, seq, 'crlExtensions').map((e) => element(crl, e));
    } else if (part.tag === 0x30 && head.length >= 4 && crl[part.contentStart] === 0x30) {
      entries = readChildren(crl, part, 'revokedCertificates').map((e) => element(crl, e));
    } else head.push(element(crl, part));
  }
  return { head, entries, extensions, algorithm: element(crl, algorithm) };
}

/** the CertificateList of `parts`, signed with `key` (the simulator's CAs: RSA, SHA-256) */
export function signCrl(parts: TbsParts, key: KeyObject): Uint8Array {
  const tbs = sequence(
    ...parts.head,
    ...(parts.entries.length > 0 ? [sequence(...parts.entries)] : []),
    ...(parts.extensions.length > 0 ? [explicit(0, sequence(...parts.extensions))] : []),
  );
  const signature = createSign('sha256').update(tbs).sign(key);
  return sequence(tbs, parts.algorithm, bitString(new Uint8Array(signature)));
}

/** `crl` with `edit` applied to its parts, signed again by the CA */
export function resign(crl: Uint8Array, key: KeyObject, edit: (parts: TbsParts) => void): Uint8Array {
  const parts = takeApart(crl);
  edit(parts);
  return signCrl(parts, key);
}

/** the simulator CA's private key (`<dir>/keys/<ca>.key.pem`) */
export function simCaKey(simDir: string, caId: string): KeyObject {
  return createPrivateKey(readFileSync(join(simDir, 'keys', `${caId}.key.pem`)));
}

/** the extnID of an Extension element, dotted */
export function extensionOid(ext: Uint8Array): string {
  const seq = readTlv(ext, 0, ext.length, 'ext');
  const id = readTlv(ext, seq.contentStart, seq.contentEnd, 'extnID');
  return decodeOid(ext, id.contentStart, id.contentEnd);
}
