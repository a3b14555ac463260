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
  const seen = new Set<string>();
  readChildren(buf, seq, path, base).forEach((ext, i) => {
    const epath = `${path}[${i}]`;
    const { oid, critical, value } = readExtension(buf, ext, epath, base);
    // RFC 5280 §4.2 (and §5.2 by reference): at most one instance of an extension; "the last one wins" would let a second
    // cRLNumber or IDP slip past whoever read the first
    if (seen.has(oid)) throw new DerError('DER_MALFORMED', `extension ${oid} appears twice`, base + ext.start, epath);
    seen.add(oid);
    const der = buf.subarray(value.contentStart, value.contentEnd);
    const known = KNOWN_CRL_EXTENSIONS.has(oid);
    out.extensions.push({ oid, critical, value: copyBytes(der), known });
    if (!known) {
      // An unknown extension's value is opaque (§5.2: a non-critical one may be ignored): a private extension whose value is
      // not DER must not make a CRL unloadable. A critical one makes it unusable, whatever its value holds.
      if (critical) problems.add('UNKNOWN_CRITICAL_EXTENSION', `unknown critical CRL extension ${oid}`, base + ext.start);
      return;
    }
    const vpath = `${epath}.extnValue`;
    checkDerElement(buf, value.contentStart, value.contentEnd, maxDepth, vpath, base);
    const vbase = base + value.contentStart;
    switch (oid) {
      case OID.id_ce_cRLNumber:
        out.crlNumber = readCrlNumber(der, 'cRLNumber', vpath, vbase);
        break;
      case OID.id_ce_deltaCRLIndicator:
        out.deltaCrlIndicator = readCrlNumber(der, 'deltaCRLIndicator', vpath, vbase);
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

/** the largest CRL number RFC 5280 §5.2.3 allows: "CRL issuers MUST NOT use CRLNumber values longer than 20 octets" */
const MAX_CRL_NUMBER = (1n << 160n) - 1n;

/**
 * CRLNumber ::= INTEGER (0..MAX); BaseCRLNumber ::= CRLNumber. A value outside 0 … 2^160−1 is malformed: a negative number
 * cannot be compared as the CA meant it, and a longer one, once loaded, would make every later CRL look like a rollback.
 */
function readCrlNumber(der: Uint8Array, name: string, path: string, base: number): bigint {
  const int = expectTag(readTlv(der, 0, der.length, path, base), TAG.INTEGER, path, base);
  if (int.contentEnd === int.contentStart) throw new DerError('DER_MALFORMED', 'INTEGER with no content', base, path);
  if (int.contentEnd - int.contentStart > 21) throw new DerError('DER_MALFORMED', `${name} is longer than 20 octets`, base, path);
  const value = serialFromDer(der, int.contentStart, int.contentEnd);
  if (value < 0n) throw new DerError('DER_MALFORMED', `${name} is negative (${value})`, base, path);
  if (value > MAX_CRL_NUMBER) throw new DerError('DER_MALFORMED', `${name} is longer than 20 octets`, base, path);
  return value;
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier OPTIONAL, … } */
function readKeyIdentifier(der: Uint8Array, path: string, base: number): Uint8Array | null {
  const seq = expectTag(readTlv(der, 0, der.length, path, base), TAG.SEQUENCE, path, base);
  const first = readChildren(der, seq, path, base)[0];
  return first && first.tag === 0x80 ? copyBytes(der, first.contentStart, first.contentEnd) : null;
}
