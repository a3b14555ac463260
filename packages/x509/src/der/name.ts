import { ATTRIBUTE_NAMES } from '../oids.js';
import { decodeOid } from './oid.js';
import { readChildren, readTlv, expectTag, TAG, type Tlv } from './tlv.js';

/**
 * ```asn1
 * Name ::= CHOICE { rdnSequence RDNSequence }
 * RDNSequence ::= SEQUENCE OF RelativeDistinguishedName
 * RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
 * AttributeTypeAndValue ::= SEQUENCE { type AttributeType, value AttributeValue }
 * ```
 * Renders a Name as RFC 4514 text: most specific RDN first (`CN=…,O=…,C=JP`), multi-valued RDNs joined with `+`,
 * special characters escaped, non-string values as `#hex`. `name` is the Name's SEQUENCE element.
 */
export function formatName(buf: Uint8Array, name: Tlv, path = 'name', base = 0): string {
  expectTag(name, TAG.SEQUENCE, path, base);
  const rdns: string[] = [];
  for (const rdn of readChildren(buf, name, path, base)) {
    expectTag(rdn, TAG.SET, path, base);
    const parts: string[] = [];
    for (const atv of readChildren(buf, rdn, path, base)) {
      const [type, value] = readChildren(buf, expectTag(atv, TAG.SEQUENCE, path, base), path, base);
      if (!type || !value) continue;
      const oid = decodeOid(buf, type.contentStart, type.contentEnd, path, base);
      parts.push(`${ATTRIBUTE_NAMES[oid] ?? oid}=${formatAttributeValue(buf, value)}`);
    }
    rdns.push(parts.join('+'));
  }
  return rdns.reverse().join(',');
}

/** Formats a whole DER Name given as bytes. */
export function formatNameDer(der: Uint8Array): string {
  return formatName(der, readTlv(der, 0, der.length, 'name'));
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function formatAttributeValue(buf: Uint8Array, value: Tlv): string {
  const content = buf.subarray(value.contentStart, value.contentEnd);
  let text: string | null = null;
  switch (value.tag) {
    case TAG.UTF8_STRING:
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.T61_STRING:
    case 0x1a: // VisibleString
      text = decoder.decode(content);
      break;
    case TAG.BMP_STRING: {
      let s = '';
      for (let i = 0; i + 1 < content.length; i += 2) s += String.fromCharCode(((content[i] as number) << 8) | (content[i + 1] as number));
      text = s;
      break;
    }
    default:
      text = null;
  }
  if (text === null) {
    // RFC 4514 §2.4: a value that is not a string is written as # and the hex of its BER encoding.
    return `#${Buffer.from(buf.subarray(value.start, value.contentEnd)).toString('hex')}`;
  }
  return escapeRfc4514(text);
}

function escapeRfc4514(s: string): string {
  let out = s.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}
