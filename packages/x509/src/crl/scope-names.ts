/**
 * Distribution point names as comparable keys — the one scope-matching vocabulary shared by path validation (a certificate's
 * cRLDistributionPoints against a CRL's issuingDistributionPoint, RFC 5280 §6.3.3 (b)(2)), the CRL fetcher (a configured CRL
 * slot against the CRL it was served) and the validator (a certificate's distribution point → its configured partition).
 *
 * Two names match when they are the same kind and their keys are equal:
 * - URI: scheme and host compared without case, the rest exactly (RFC 5280 §7.4), after WHATWG URL normalisation;
 * - directoryName: the canonical DER of the Name (`canonicalNameDer`), so a PrintableString/UTF8String or spacing difference between
 *   the CA's encoding and an operator's RFC 4514 text does not matter; a nameRelativeToCRLIssuer is first expanded under the CRL
 *   issuer's name;
 * - any other GeneralName: its exact DER.
 */
import { DerError } from '../errors.js';
import { formatNameDer } from '../der/name.js';
import { appendRdn, canonicalNameDer, explicitNameDer } from '../der/name-canon.js';
import { parseNameText } from '../der/name-text.js';
import { readChildren, readSingle, readTlv, TAG, toHex, type Tlv } from '../der/tlv.js';
import type { IssuingDistributionPoint } from './types.js';

export interface ScopeName {
  kind: 'uri' | 'dirName' | 'other';
  /** equality of keys is equality of names */
  key: string;
  /** for messages: `URI:http://…`, `DirName:CN=…,C=JP` */
  text: string;
}

const latin1 = new TextDecoder('latin1');

/** A URI as a scope name. */
export function uriScopeName(uri: string): ScopeName {
  let normalised = uri;
  try {
    // lower-cases scheme and host, drops a default port; the path, query and fragment keep their case
    normalised = new URL(uri).href;
  } catch {
    // not a URL we can parse: compared exactly
  }
  return { kind: 'uri', key: `uri:${normalised}`, text: `URI:${uri}` };
}

/** A directoryName (the Name's DER) as a scope name. */
export function dirNameScopeName(nameDer: Uint8Array): ScopeName {
  return { kind: 'dirName', key: `dn:${toHex(canonicalNameDer(nameDer))}`, text: `DirName:${safeFormat(nameDer)}` };
}

/** A directoryName given as RFC 4514 text (config, partition listing); throws NameTextError naming the fault. */
export function dirNameTextScopeName(text: string): ScopeName {
  return dirNameScopeName(parseNameText(text));
}

function safeFormat(nameDer: Uint8Array): string {
  try {
    return formatNameDer(nameDer);
  } catch {
    return `#${toHex(nameDer)}`;
  }
}

/**
 * The names of a DistributionPointName, given as its CHOICE element's DER (tag 0xA0 fullName or 0xA1 nameRelativeToCRLIssuer —
 * what `DistributionPoint.distributionPointDer` holds and what sits inside an IDP's `[0]`). A relative name is expanded under
 * `relativeToDer`, the Name of the CRL issuer.
 *
 * ```asn1
 * DistributionPointName ::= CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] RelativeDistinguishedName }
 * ```
 */
export function distributionPointNames(choiceDer: Uint8Array, relativeToDer: Uint8Array): ScopeName[] {
  const choice = readSingle(choiceDer, 'distributionPoint');
  if (choice.tag === 0xa0) return readChildren(choiceDer, choice, 'fullName').map((gn) => generalName(choiceDer, gn));
  if (choice.tag === 0xa1) {
    return [dirNameScopeName(appendRdn(relativeToDer, choiceDer, choice))];
  }
  throw new DerError('DER_MALFORMED', `unexpected DistributionPointName tag 0x${choice.tag.toString(16)}`, 0, 'distributionPoint');
}

function generalName(buf: Uint8Array, gn: Tlv): ScopeName {
  if (gn.tag === 0x86) return uriScopeName(latin1.decode(buf.subarray(gn.contentStart, gn.contentEnd)));
  if (gn.tag === 0xa4) return dirNameScopeName(explicitNameDer(buf, gn));
  const hex = toHex(buf.subarray(gn.start, gn.contentEnd));
  return { kind: 'other', key: `gn:${hex}`, text: `GeneralName:#${hex}` };
}

/**
 * The DistributionPointName element inside an issuingDistributionPoint, or null when the IDP has no distributionPoint.
 *
 * ```asn1
 * IssuingDistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName OPTIONAL, … }
 * ```
 */
export function idpDistributionPointDer(idp: IssuingDistributionPoint): Uint8Array | null {
  const seq = readSingle(idp.der, 'issuingDistributionPoint');
  if (seq.tag !== TAG.SEQUENCE) return null;
  const first = seq.contentStart < seq.contentEnd ? readTlv(idp.der, seq.contentStart, seq.contentEnd, 'issuingDistributionPoint') : null;
  if (first === null || first.tag !== 0xa0) return null;
  const inner = readTlv(idp.der, first.contentStart, first.contentEnd, 'issuingDistributionPoint.distributionPoint');
  return idp.der.slice(inner.start, inner.contentEnd);
}

/** The names an IDP's distributionPoint gives its CRL (relative names expanded under the CRL issuer), or null when it has none. */
export function idpScopeNames(idp: IssuingDistributionPoint | null, crlIssuerDer: Uint8Array): ScopeName[] | null {
  if (idp === null) return null;
  const dp = idpDistributionPointDer(idp);
  return dp === null ? null : distributionPointNames(dp, crlIssuerDer);
}

/** whether some name of `a` is a name of `b` */
export function scopeNamesMeet(a: readonly ScopeName[], b: readonly ScopeName[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const keys = new Set(b.map((n) => n.key));
  return a.some((n) => keys.has(n.key));
}

/** for messages: `URI:… | DirName:…` */
export const scopeNamesText = (names: readonly ScopeName[]): string => names.map((n) => n.text).join(' | ');
