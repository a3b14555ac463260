import { readChildren, readSingle, readTlv, expectTag, TAG, type Tlv } from './tlv.js';
import { sequence, set, tlv } from './writer.js';
import { sortedDer } from './name-text.js';

/**
 * The canonical DER of a Name, for comparing names that a CA (or an operator's config) may have encoded differently: every RDN's
 * AttributeTypeAndValues sorted as DER sorts a SET OF, and every string value re-encoded as UTF8String after RFC 4518-style
 * preparation — Unicode NFKC, case folded, leading and trailing spaces removed, inner runs of white space collapsed to one
 * space. Values that are not strings keep their exact bytes. Two names are the same name when their canonical DER is equal.
 *
 * This is deliberately the same idea as OpenSSL's canonical name encoding (which is what `openssl crl` and `openssl verify`
 * compare): PrintableString "JP" and UTF8String "jp", or "Tokyo  Ward" and "tokyo ward", name one directory entry.
 */
export function canonicalNameDer(nameDer: Uint8Array): Uint8Array {
  const name = expectTag(readSingle(nameDer, 'name'), TAG.SEQUENCE, 'name');
  return sequence(...readChildren(nameDer, name, 'name').map((rdn) => canonicalRdn(nameDer, rdn)));
}

/** one RelativeDistinguishedName (a SET, or the `[1] IMPLICIT` of nameRelativeToCRLIssuer: tag not checked) */
export function canonicalRdn(buf: Uint8Array, rdn: Tlv): Uint8Array {
  const atvs = readChildren(buf, rdn, 'rdn').map((atv) => {
    const [type, value] = readChildren(buf, expectTag(atv, TAG.SEQUENCE, 'atv'), 'atv');
    if (!type || !value) return buf.slice(atv.start, atv.contentEnd);
    return sequence(buf.slice(type.start, type.contentEnd), canonicalValue(buf, value));
  });
  return set(...sortedDer(atvs));
}

const STRING_TAGS = new Set<number>([
  TAG.UTF8_STRING,
  TAG.PRINTABLE_STRING,
  TAG.T61_STRING,
  TAG.IA5_STRING,
  0x1a, // VisibleString
  TAG.UNIVERSAL_STRING,
  TAG.BMP_STRING,
]);

const utf8 = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');
const encoder = new TextEncoder();

function canonicalValue(buf: Uint8Array, value: Tlv): Uint8Array {
  if (!STRING_TAGS.has(value.tag)) return buf.slice(value.start, value.contentEnd);
  const prepared = prepareString(decodeString(value.tag, buf.subarray(value.contentStart, value.contentEnd)));
  return tlv(TAG.UTF8_STRING, encoder.encode(prepared));
}

function decodeString(tag: number, content: Uint8Array): string {
  switch (tag) {
    case TAG.BMP_STRING: {
      let s = '';
      for (let i = 0; i + 1 < content.length; i += 2) s += String.fromCharCode(((content[i] as number) << 8) | (content[i + 1] as number));
      return s;
    }
    case TAG.UNIVERSAL_STRING: {
      let s = '';
      for (let i = 0; i + 3 < content.length; i += 4) {
        const cp =
          (((content[i] as number) << 24) |
            ((content[i + 1] as number) << 16) |
            ((content[i + 2] as number) << 8) |
            (content[i + 3] as number)) >>>
          0;
        s += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      }
      return s;
    }
    case TAG.T61_STRING:
      return latin1.decode(content);
    default:
      return utf8.decode(content);
  }
}

/** RFC 4518 in brief: compatibility-normalised, case-folded, white space trimmed and squeezed */
export function prepareString(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The Name made of `issuer`'s RDNs with `relative` (a RelativeDistinguishedName's content, however it is tagged) appended as the
 * most specific RDN — how RFC 5280 §4.2.1.13 expands a nameRelativeToCRLIssuer.
 */
export function appendRdn(issuerDer: Uint8Array, relativeBuf: Uint8Array, relative: Tlv): Uint8Array {
  const issuer = expectTag(readSingle(issuerDer, 'issuer'), TAG.SEQUENCE, 'issuer');
  const rdns = readChildren(issuerDer, issuer, 'issuer').map((rdn) => issuerDer.subarray(rdn.start, rdn.contentEnd));
  return sequence(...rdns, tlv(TAG.SET, relativeBuf.subarray(relative.contentStart, relative.contentEnd)));
}

/** the DER of a `[4] EXPLICIT Name` GeneralName's inner Name */
export function explicitNameDer(buf: Uint8Array, gn: Tlv): Uint8Array {
  const name = readTlv(buf, gn.contentStart, gn.contentEnd, 'directoryName');
  return buf.slice(name.start, name.contentEnd);
}
