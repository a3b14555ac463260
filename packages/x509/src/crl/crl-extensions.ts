import { DerError } from '../errors.js';
import { decodeOid } from '../der/oid.js';
import { readBoolean, readChildren, readTlv, expectTag, TAG, type Tlv } from '../der/tlv.js';
import { OID } from '../oids.js';
import { serialFromDer } from '../serial.js';
import { checkDerElement } from './der-walk.js';
import { parseIssuingDistributionPoint } from './issuing-distribution-point.js';
import type { ProblemLog } from './problems.js';
import type { CrlExtension, IssuingDistributionPoint } from './types.js';
import { copyBytes } from './copy-bytes.js';

/** The crlExtensions this engine understands (RFC 5280 §5.2), and may therefore accept when marked critical. */
const KNOWN_CRL_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.id_ce_authorityKeyIdentifier,
  OID.id_ce_issuerAltName,
  OID.id_ce_cRLNumber,
  OID.id_ce_deltaCRLIndicator,
  OID.id_ce_issuingDistributionPoint,
  OID.id_ce_freshestCRL,
  OID.id_pe_authorityInfoAccess,
]);

export interface CrlExtensionsResult {
  extensions: CrlExtension[];
  crlNumber: bigint | null;
  deltaCrlIndicator: bigint | null;
  issuingDistributionPoint: IssuingDistributionPoint | null;
  authorityKeyIdentifier: Uint8Array | null;
  freshestCrl: boolean;
}

export function emptyCrlExtensions(): CrlExtensionsResult {
  return {
    extensions: [],
    crlNumber: null,
    deltaCrlIndicator: null,
    issuingDistributionPoint: null,
    authorityKeyIdentifier: null,
    freshestCrl: false,
  };
}

/**
 * ```asn1
 * crlExtensions [0] EXPLICIT Extensions OPTIONAL
 * Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
 * Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 * ```
 * `explicit` is the whole [0] element, read from a contiguous buffer; `base` makes offsets absolute.
 */
export function readCrlExtensions(
  buf: Uint8Array,
  explicit: Tlv,
  base: number,
  maxDepth: number,
  problems: ProblemLog,
): CrlExtensionsResult {
  const path = 'tbsCertList.crlExtensions';
  const out = emptyCrlExtensions();
  const seq = expectTag(readTlv(buf, explicit.contentStart, explicit.contentEnd, path, base), TAG.SEQUENCE, path, base);
  if (seq.contentEnd !== explicit.contentEnd)
    throw new DerError('DER_MALFORMED', 'extra data after Extensions', base + seq.contentEnd, path);
  readChildren(buf, seq, path, base).forEach((ext, i) => {
    const epath = `${path}[${i}]`;
    const { oid, critical, value } = readExtension(buf, ext, epath, base);
    const vpath = `${epath}.extnValue`;
    checkDerElement(buf, value.contentStart, value.contentEnd, maxDepth, vpath, base);
    const der = buf.subarray(value.contentStart, value.contentEnd);
    const vbase = base + value.contentStart;
    const known = KNOWN_CRL_EXTENSIONS.has(oid);
    out.extensions.push({ oid, critical, value: copyBytes(der), known });
    if (!known) {
      if (critical) problems.add('UNKNOWN_CRITICAL_EXTENSION', `unknown critical CRL extension ${oid}`, base + ext.start);
      return;
    }
    switch (oid) {
      case OID.id_ce_cRLNumber:
        out.crlNumber = readCrlNumber(der, vpath, vbase);
        break;
      case OID.id_ce_deltaCRLIndicator:
        out.deltaCrlIndicator = readCrlNumber(der, vpath, vbase);
        break;
      case OID.id_ce_issuingDistributionPoint:
        out.issuingDistributionPoint = parseIssuingDistributionPoint(der, vpath, vbase);
        if (out.issuingDistributionPoint.indirectCRL)
          problems.add('INDIRECT_CRL', 'issuingDistributionPoint marks this CRL indirect', base + ext.start);
        break;
      case OID.id_ce_authorityKeyIdentifier:
        out.authorityKeyIdentifier = readKeyIdentifier(der, vpath, vbase);
        break;
      case OID.id_ce_freshestCRL:
        out.freshestCrl = true;
        break;
    }
  });
  return out;
}

/** One Extension's parts. Shared with nothing on the entry hot path, which reads entry extensions inline. */
export function readExtension(buf: Uint8Array, ext: Tlv, path: string, base: number): { oid: string; critical: boolean; value: Tlv } {
  expectTag(ext, TAG.SEQUENCE, path, base);
  const parts = readChildren(buf, ext, path, base);
  const [idTlv, second, third] = parts;
  if (!idTlv || !second || parts.length > 3)
    throw new DerError('DER_MALFORMED', 'Extension must have 2 or 3 fields', base + ext.start, path);
  const oid = decodeOid(buf, expectTag(idTlv, TAG.OID, `${path}.extnID`, base).contentStart, idTlv.contentEnd, `${path}.extnID`, base);
  const critical = third ? readBoolean(buf, second, `${path}.critical`, base) : false;
  const value = expectTag(third ?? second, TAG.OCTET_STRING, `${path}.extnValue`, base);
  return { oid, critical, value };
}

/** CRLNumber ::= INTEGER (0..MAX); BaseCRLNumber ::= CRLNumber */
function readCrlNumber(der: Uint8Array, path: string, base: number): bigint {
  const int = expectTag(readTlv(der, 0, der.length, path, base), TAG.INTEGER, path, base);
  if (int.contentEnd === int.contentStart) throw new DerError('DER_MALFORMED', 'INTEGER with no content', base, path);
  if (int.contentEnd - int.contentStart > 21) throw new DerError('DER_MALFORMED', 'CRL number longer than 20 octets', base, path);
  return serialFromDer(der, int.contentStart, int.contentEnd);
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier OPTIONAL, … } */
function readKeyIdentifier(der: Uint8Array, path: string, base: number): Uint8Array | null {
  const seq = expectTag(readTlv(der, 0, der.length, path, base), TAG.SEQUENCE, path, base);
  const first = readChildren(der, seq, path, base)[0];
  return first && first.tag === 0x80 ? copyBytes(der, first.contentStart, first.contentEnd) : null;
}
