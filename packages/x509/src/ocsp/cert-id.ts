import { createHash } from 'node:crypto';
import { DerError } from '../errors.js';
import { OID } from '../oids.js';
import { decodeOid } from '../der/oid.js';
import { readChildren, readSingle, expectTag, TAG, type Tlv } from '../der/tlv.js';
import { integer, nullValue, octetString, oid, sequence } from '../der/writer.js';
import { serialFromDer } from '../serial.js';
import type { HashName } from '../crypto/signature.js';
import type { ParsedCertificate } from '../cert/types.js';
import type { CertId } from './types.js';

const HASH_OIDS: Readonly<Record<HashName, string>> = {
  sha1: OID.id_sha1,
  sha224: OID.id_sha224,
  sha256: OID.id_sha256,
  sha384: OID.id_sha384,
  sha512: OID.id_sha512,
};
const HASH_NAMES: Readonly<Record<string, HashName>> = Object.fromEntries(
  Object.entries(HASH_OIDS).map(([name, o]) => [o, name as HashName]),
);

/** The issuer as CertID needs it: its subject Name DER and its subjectPublicKey (BIT STRING value, no unused-bits octet). */
export interface CertIdIssuer {
  nameDer: Uint8Array;
  subjectPublicKey: Uint8Array;
}

export function issuerOf(cert: ParsedCertificate): CertIdIssuer {
  return { nameDer: cert.subject.der, subjectPublicKey: cert.subjectPublicKey };
}

/** The subjectPublicKey of a SubjectPublicKeyInfo DER. */
export function subjectPublicKeyOf(spki: Uint8Array): Uint8Array {
  const seq = expectTag(readSingle(spki, 'subjectPublicKeyInfo'), TAG.SEQUENCE, 'subjectPublicKeyInfo');
  const [, key] = readChildren(spki, seq, 'subjectPublicKeyInfo');
  if (!key) throw new DerError('DER_MALFORMED', 'SubjectPublicKeyInfo without subjectPublicKey', seq.start, 'subjectPublicKeyInfo');
  expectTag(key, TAG.BIT_STRING, 'subjectPublicKeyInfo.subjectPublicKey');
  return spki.subarray(key.contentStart + 1, key.contentEnd);
}

export function computeCertId(issuer: CertIdIssuer, serial: bigint, hash: HashName): CertId {
  const digest = (b: Uint8Array) => new Uint8Array(createHash(hash).update(b).digest());
  return { hashAlgorithm: hash, issuerNameHash: digest(issuer.nameDer), issuerKeyHash: digest(issuer.subjectPublicKey), serial };
}

/** Whether `certId` names a certificate of this issuer (its hashes recomputed with the CertID's own algorithm). */
export function certIdIsOfIssuer(certId: CertId, issuer: CertIdIssuer): boolean {
  if (!(certId.hashAlgorithm in HASH_OIDS)) return false;
  const mine = computeCertId(issuer, certId.serial, certId.hashAlgorithm as HashName);
  return bytesEqual(mine.issuerNameHash, certId.issuerNameHash) && bytesEqual(mine.issuerKeyHash, certId.issuerKeyHash);
}

export function certIdEquals(a: CertId, b: CertId): boolean {
  return (
    a.hashAlgorithm === b.hashAlgorithm &&
    a.serial === b.serial &&
    bytesEqual(a.issuerNameHash, b.issuerNameHash) &&
    bytesEqual(a.issuerKeyHash, b.issuerKeyHash)
  );
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** CertID DER; the hash AlgorithmIdentifier carries NULL parameters, as OpenSSL writes it. */
export function encodeCertId(certId: CertId): Uint8Array {
  const hashOid = HASH_OIDS[certId.hashAlgorithm as HashName] ?? certId.hashAlgorithm;
  return sequence(
    sequence(oid(hashOid), nullValue()),
    octetString(certId.issuerNameHash),
    octetString(certId.issuerKeyHash),
    integer(certId.serial),
  );
}

/** Reads a CertID element (parameters of the hash AlgorithmIdentifier are ignored when comparing: NULL or absent alike). */
export function readCertId(buf: Uint8Array, tlv: Tlv, path: string): CertId {
  const [alg, nameHash, keyHash, serial] = readChildren(buf, expectTag(tlv, TAG.SEQUENCE, path), path);
  if (!alg || !nameHash || !keyHash || !serial) throw new DerError('DER_MALFORMED', 'CertID needs 4 fields', tlv.start, path);
  const [algOid] = readChildren(buf, expectTag(alg, TAG.SEQUENCE, `${path}.hashAlgorithm`), `${path}.hashAlgorithm`);
  if (!algOid) throw new DerError('DER_MALFORMED', 'empty AlgorithmIdentifier', alg.start, `${path}.hashAlgorithm`);
  const dotted = decodeOid(
    buf,
    expectTag(algOid, TAG.OID, `${path}.hashAlgorithm`).contentStart,
    algOid.contentEnd,
    `${path}.hashAlgorithm`,
  );
  expectTag(nameHash, TAG.OCTET_STRING, `${path}.issuerNameHash`);
  expectTag(keyHash, TAG.OCTET_STRING, `${path}.issuerKeyHash`);
  expectTag(serial, TAG.INTEGER, `${path}.serialNumber`);
  if (serial.contentEnd === serial.contentStart)
    throw new DerError('DER_MALFORMED', 'empty serialNumber', serial.start, `${path}.serialNumber`);
  return {
    hashAlgorithm: HASH_NAMES[dotted] ?? dotted,
    issuerNameHash: buf.slice(nameHash.contentStart, nameHash.contentEnd),
    issuerKeyHash: buf.slice(keyHash.contentStart, keyHash.contentEnd),
    serial: serialFromDer(buf, serial.contentStart, serial.contentEnd),
  };
}
