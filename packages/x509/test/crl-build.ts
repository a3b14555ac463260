import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  boolean,
  concatBytes,
  enumerated,
  explicit,
  extension,
  generalizedTime,
  implicitPrimitive,
  integer,
  nullValue,
  octetString,
  oid,
  sequence,
  set,
  tlv,
  utcTime,
  utf8String,
} from '../src/index.js';

/** Small CRLs built with the DER writer, for the cases openssl will not produce (broken, v1, odd reasons, indirect). */
export interface EntrySpec {
  serial: bigint | number;
  revoked?: Date;
  reason?: number;
  invalidity?: Date;
  /** extra raw Extension elements appended to crlEntryExtensions */
  extraExtensions?: Uint8Array[];
}

export interface CrlSpec {
  /** 1 → no version field; 2 → INTEGER 1 */
  version?: 1 | 2;
  entries?: EntrySpec[];
  /** raw Extension elements for crlExtensions; absent → a cRLNumber (v2 only) */
  crlExtensions?: Uint8Array[];
  nextUpdate?: Date | null;
  /** outer signatureAlgorithm, when it should differ from tbsCertList.signature */
  outerAlgorithm?: Uint8Array;
  algorithm?: Uint8Array;
  key?: KeyObject;
}

export const ECDSA_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
export const SHA256_RSA = sequence(oid('1.2.840.113549.1.1.11'), nullValue());

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const testPublicKey: KeyObject = keys.publicKey;

export const issuerName = sequence(
  set(sequence(oid('2.5.4.6'), tlv(0x13, new TextEncoder().encode('JP')))),
  set(sequence(oid('2.5.4.3'), utf8String('Built CA'))),
);

export function entry(e: EntrySpec): Uint8Array {
  const exts: Uint8Array[] = [];
  if (e.reason !== undefined) exts.push(extension('2.5.29.21', false, enumerated(e.reason)));
  if (e.invalidity) exts.push(extension('2.5.29.24', false, generalizedTime(e.invalidity)));
  exts.push(...(e.extraExtensions ?? []));
  return sequence(integer(e.serial), utcTime(e.revoked ?? new Date('2025-06-01T12:34:56Z')), ...(exts.length ? [sequence(...exts)] : []));
}

export function buildTbs(spec: CrlSpec = {}): Uint8Array {
  const version = spec.version ?? 2;
  const list = spec.entries ?? [
    { serial: 1, reason: 1 },
    { serial: 0x1234, reason: 4 },
    { serial: 0xabcdef, invalidity: new Date('2025-05-31T00:00:00Z') },
  ];
  const exts = spec.crlExtensions ?? (version === 2 ? [extension('2.5.29.20', false, integer(7))] : []);
  return sequence(
    ...(version === 2 ? [integer(1)] : []),
    spec.algorithm ?? ECDSA_SHA256,
    issuerName,
    utcTime(new Date('2025-06-01T00:00:00Z')),
    ...(spec.nextUpdate === null ? [] : [utcTime(spec.nextUpdate ?? new Date('2025-06-08T00:00:00Z'))]),
    ...(list.length ? [sequence(...list.map(entry))] : []),
    ...(exts.length ? [explicit(0, sequence(...exts))] : []),
  );
}

/** A CRL signed with the test key (ECDSA P-256, SHA-256). */
export function buildCrl(spec: CrlSpec = {}): Uint8Array {
  const tbs = buildTbs(spec);
  const signature = sign('sha256', tbs, spec.key ?? keys.privateKey);
  return sequence(tbs, spec.outerAlgorithm ?? spec.algorithm ?? ECDSA_SHA256, bitString(new Uint8Array(signature)));
}

/** `n` nested SEQUENCEs around a NULL. */
export function nested(n: number): Uint8Array {
  let v: Uint8Array = nullValue();
  for (let i = 0; i < n; i++) v = sequence(v);
  return v;
}

export { boolean, concatBytes, extension, implicitPrimitive, octetString, oid, sequence, tlv };
