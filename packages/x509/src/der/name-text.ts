import { X509Error } from '../errors.js';
import { ATTRIBUTE_NAMES } from '../oids.js';
import { readSingle } from './tlv.js';
import { oid, printableString, sequence, set, utf8String } from './writer.js';

/** A distinguished name in RFC 4514 text that cannot be read: the message quotes the text and names the position. */
export class NameTextError extends X509Error {
  readonly text: string;
  readonly position: number;
  constructor(text: string, position: number, why: string) {
    super(
      'NAME_MALFORMED',
      `distinguished name ${JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text)}: ${why} at character ${position}`,
    );
    this.text = text;
    this.position = position;
  }
}

/** attribute short names (case-insensitive, RFC 4514 §3 and the names our formatter prints) → OID */
const TYPE_OIDS = new Map<string, string>();
for (const [dotted, name] of Object.entries(ATTRIBUTE_NAMES)) TYPE_OIDS.set(name.toLowerCase(), dotted);
TYPE_OIDS.set('street', '2.5.4.9');
TYPE_OIDS.set('e', '1.2.840.113549.1.9.1');

/** attributes whose ASN.1 type is PrintableString (X.520): written so, for a DER that a CA would also produce */
const PRINTABLE = new Set(['2.5.4.6', '2.5.4.5', '2.5.4.46']);

const HEX = /^[0-9a-fA-F]*$/;

/** the encoded OID of each attribute type met so far (a few kinds; a national listing repeats them thousands of times) */
const oidTlvs = new Map<string, Uint8Array>();
function oidTlv(dotted: string): Uint8Array {
  let encoded = oidTlvs.get(dotted);
  if (encoded === undefined) {
    encoded = oid(dotted);
    if (oidTlvs.size < 256) oidTlvs.set(dotted, encoded);
  }
  return encoded;
}

/**
 * Parses an RFC 4514 string (`CN=Partition 12,OU=Tokyo,O=Example,C=JP`, most specific RDN first; `+` joins a multi-valued RDN;
 * `\,` `\+` `\"` `\\` `\<hex><hex>` escapes; a `#hex` value is the BER of the value) into the DER of the Name. Attribute types are
 * short names (`CN`, `O`, `OU`, `C`, `L`, `ST`, `DC`, `UID`, `serialNumber`, `emailAddress`, …) or dotted OIDs. String values are
 * written as UTF8String (PrintableString for C, serialNumber, dnQualifier): compare the result after `canonicalNameDer`, which
 * forgives the string type a CA chose.
 *
 * ```asn1
 * Name ::= SEQUENCE OF RelativeDistinguishedName
 * RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
 * AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }
 * ```
 */
export function parseNameText(text: string): Uint8Array {
  const rdns: Uint8Array[][] = [];
  let atvs: Uint8Array[] = [];
  let i = 0;
  const n = text.length;
  const skipSpaces = (): void => {
    while (i < n && text[i] === ' ') i++;
  };
  if (text.trim() === '') return sequence();
  for (;;) {
    skipSpaces();
    const typeStart = i;
    while (i < n && text[i] !== '=' && text[i] !== ',' && text[i] !== '+') i++;
    const typeText = text.slice(typeStart, i).trim();
    if (i >= n || text[i] !== '=') throw new NameTextError(text, i, `expected "=" after attribute type "${typeText}"`);
    const typeOid = attributeOid(text, typeText, typeStart);
    i++; // '='
    skipSpaces();
    let value: Uint8Array;
    if (text[i] === '#') {
      const start = ++i;
      while (i < n && text[i] !== ',' && text[i] !== '+' && text[i] !== ';' && text[i] !== ' ') i++;
      const hex = text.slice(start, i);
      if (hex.length === 0 || hex.length % 2 !== 0 || !HEX.test(hex))
        throw new NameTextError(text, start, 'a "#" value needs an even number of hex digits');
      value = new Uint8Array(Buffer.from(hex, 'hex'));
      try {
        readSingle(value, 'value');
      } catch (error) {
        throw new NameTextError(
          text,
          start,
          `the "#" value is not one BER element (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      skipSpaces();
    } else {
      const { value: s, end } = readStringValue(text, i);
      i = end;
      value = PRINTABLE.has(typeOid) && /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s) ? printableString(s) : utf8String(s);
    }
    atvs.push(sequence(oidTlv(typeOid), value));
    if (i >= n) break;
    const sep = text[i];
    i++;
    if (sep === '+') continue;
    if (sep !== ',' && sep !== ';') throw new NameTextError(text, i - 1, `unexpected "${sep}"`);
    rdns.push(atvs);
    atvs = [];
  }
  rdns.push(atvs);
  // RFC 4514 text lists the most specific RDN first; the DER sequence starts at the root.
  return sequence(...rdns.reverse().map((rdn) => set(...sortedDer(rdn))));
}

function attributeOid(text: string, typeText: string, at: number): string {
  if (typeText === '') throw new NameTextError(text, at, 'empty attribute type');
  const dotted = typeText.replace(/^oid\./i, '');
  if (/^\d+(\.\d+)+$/.test(dotted)) return dotted;
  const known = TYPE_OIDS.get(typeText.toLowerCase());
  if (known === undefined) throw new NameTextError(text, at, `unknown attribute type "${typeText}" (use its dotted OID)`);
  return known;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** An RFC 4514 string value from `start` to the next unescaped `,` `+` `;` (trailing unescaped spaces dropped). */
function readStringValue(text: string, start: number): { value: string; end: number } {
  let value = '';
  /** `\XX` escapes in a row: bytes of one UTF-8 sequence, decoded together */
  let pending: number[] | null = null;
  let kept = 0; // length of `value` up to its last character that is not an unescaped trailing space
  let i = start;
  const flush = (): void => {
    if (pending === null) return;
    value += utf8.decode(Uint8Array.from(pending));
    pending = null;
    kept = value.length;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ',' || c === '+' || c === ';') break;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) throw new NameTextError(text, i, 'a "\\" at the end of the text');
      const pair = text.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(pair)) {
        (pending ??= []).push(Number.parseInt(pair, 16));
        i += 3;
        continue;
      }
      flush();
      value += next;
      kept = value.length;
      i += 2;
      continue;
    }
    flush();
    if (c === '"') throw new NameTextError(text, i, "an unescaped '\"' in a value");
    value += c;
    if (c !== ' ') kept = value.length;
    i++;
  }
  flush();
  return { value: value.slice(0, kept), end: i };
}

/** DER orders the members of a SET OF by their encodings */
export function sortedDer(items: readonly Uint8Array[]): Uint8Array[] {
  return [...items].sort((a, b) => Buffer.compare(a, b));
}
