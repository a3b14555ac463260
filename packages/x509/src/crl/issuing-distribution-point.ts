import { DerError } from '../errors.js';
import { formatGeneralNames, formatRelativeName, readReasonFlags } from '../der/general-name.js';
import { readChildren, readTlv, readBoolean, expectTag, TAG, type Tlv } from '../der/tlv.js';
import type { IssuingDistributionPoint } from './types.js';
import { copyBytes } from './copy-bytes.js';

/**
 * Parses the issuingDistributionPoint extension value (see `IssuingDistributionPoint` in types.ts for the ASN.1).
 *
 * ```asn1
 * DistributionPointName ::= CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] RelativeDistinguishedName }
 * ```
 */
export function parseIssuingDistributionPoint(der: Uint8Array, path: string, base: number): IssuingDistributionPoint {
  const seq = expectTag(readTlv(der, 0, der.length, path, base), TAG.SEQUENCE, path, base);
  const idp: IssuingDistributionPoint = {
    fullName: null,
    nameRelativeToCRLIssuer: null,
    onlyContainsUserCerts: false,
    onlyContainsCACerts: false,
    onlySomeReasons: null,
    indirectCRL: false,
    onlyContainsAttributeCerts: false,
    der: copyBytes(der),
  };
  let last = -1;
  for (const field of readChildren(der, seq, path, base)) {
    const n = field.tag & 0x1f;
    if ((field.tag & 0xc0) !== 0x80 || n > 5 || n <= last) {
      throw new DerError('DER_MALFORMED', `unexpected field tag 0x${field.tag.toString(16)}`, base + field.start, path);
    }
    last = n;
    const boolean = (): boolean => readBoolean(der, { ...field, tag: TAG.BOOLEAN }, `${path}[${n}]`, base);
    switch (n) {
      case 0:
        readDistributionPointName(der, field, idp, `${path}.distributionPoint`, base);
        break;
      case 1:
        idp.onlyContainsUserCerts = boolean();
        break;
      case 2:
        idp.onlyContainsCACerts = boolean();
        break;
      case 3:
        idp.onlySomeReasons = readReasonFlags(der, field, `${path}.onlySomeReasons`, base);
        break;
      case 4:
        idp.indirectCRL = boolean();
        break;
      case 5:
        idp.onlyContainsAttributeCerts = boolean();
        break;
    }
  }
  return idp;
}

function readDistributionPointName(der: Uint8Array, field: Tlv, idp: IssuingDistributionPoint, path: string, base: number): void {
  const choice = readTlv(der, field.contentStart, field.contentEnd, path, base);
  if (choice.contentEnd !== field.contentEnd)
    throw new DerError('DER_MALFORMED', 'extra data after DistributionPointName', base + choice.contentEnd, path);
  if (choice.tag === 0xa0) {
    idp.fullName = formatGeneralNames(der, choice, `${path}.fullName`, base);
  } else if (choice.tag === 0xa1) {
    idp.nameRelativeToCRLIssuer = formatRelativeName(der, choice);
  } else {
    throw new DerError('DER_MALFORMED', `unexpected DistributionPointName tag 0x${choice.tag.toString(16)}`, base + choice.start, path);
  }
}
