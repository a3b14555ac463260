import { describe, expect, it } from 'vitest';
import { canonicalNameDer } from '../src/der/name-canon.js';
import { formatNameDer } from '../src/der/name.js';
import { NameTextError, parseNameText } from '../src/der/name-text.js';
import {
  explicit,
  implicitConstructed,
  implicitPrimitive,
  oid,
  printableString,
  sequence,
  set,
  tlv,
  utf8String,
} from '../src/der/writer.js';
import { parseIssuingDistributionPoint } from '../src/crl/issuing-distribution-point.js';
import {
  dirNameScopeName,
  dirNameTextScopeName,
  distributionPointNames,
  idpScopeNames,
  scopeNamesMeet,
  uriScopeName,
} from '../src/crl/scope-names.js';
import { checkCrlSlotScope, type CrlSlotScope } from '../src/crl/slot-scope.js';

const CN = '2.5.4.3';
const OU = '2.5.4.11';
const O = '2.5.4.10';
const C = '2.5.4.6';
const atv = (type: string, value: Uint8Array) => sequence(oid(type), value);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** CN=p0001,OU=Municipality,O=JPKI Simulator,C=JP encoded the way a CA might (PrintableString, root first) */
const caEncoded = sequence(
  set(atv(C, printableString('JP'))),
  set(atv(O, printableString('JPKI Simulator'))),
  set(atv(OU, utf8String('Municipality'))),
  set(atv(CN, printableString('p0001'))),
);
const issuerDer = sequence(set(atv(C, printableString('JP'))), set(atv(O, printableString('JPKI Simulator'))));

const uriGn = (uri: string) => implicitPrimitive(6, new TextEncoder().encode(uri));
const dirGn = (nameDer: Uint8Array) => implicitConstructed(4, nameDer);
const fullName = (...gns: Uint8Array[]) => implicitConstructed(0, ...gns);
/** nameRelativeToCRLIssuer [1] IMPLICIT RelativeDistinguishedName: the SET's content under tag 0xA1 */
const relativeName = (...atvs: Uint8Array[]) => implicitConstructed(1, ...atvs);

interface IdpFields {
  dp?: Uint8Array;
  user?: boolean;
  ca?: boolean;
  reasons?: Uint8Array;
  indirect?: boolean;
  attr?: boolean;
}
function idp(f: IdpFields) {
  const parts: Uint8Array[] = [];
  if (f.dp) parts.push(explicit(0, f.dp));
  if (f.user) parts.push(implicitPrimitive(1, Uint8Array.of(0xff)));
  if (f.ca) parts.push(implicitPrimitive(2, Uint8Array.of(0xff)));
  if (f.reasons) parts.push(implicitPrimitive(3, f.reasons));
  if (f.indirect) parts.push(implicitPrimitive(4, Uint8Array.of(0xff)));
  if (f.attr) parts.push(implicitPrimitive(5, Uint8Array.of(0xff)));
  return parseIssuingDistributionPoint(sequence(...parts), 'idp', 0);
}

describe('parseNameText (RFC 4514 → DER)', () => {
  it('reads most-specific-first text into a root-first Name, and formats back to the same text', () => {
    const text = 'CN=p0001,OU=Municipality,O=JPKI Simulator,C=JP';
    const der = parseNameText(text);
    expect(formatNameDer(der)).toBe(text);
    expect(hex(canonicalNameDer(der))).toBe(hex(canonicalNameDer(caEncoded)));
  });

  it('handles escapes, multi-valued RDNs, hex values, dotted OIDs and spaces around separators', () => {
    expect(formatNameDer(parseNameText('CN=a\\,b\\+c,O=x'))).toBe('CN=a\\,b\\+c,O=x');
    expect(formatNameDer(parseNameText('CN=\\E6\\9D\\B1\\E4\\BA\\AC'))).toBe('CN=東京');
    const multi = parseNameText('CN=a+OU=b, O=c');
    expect(formatNameDer(multi)).toMatch(/^(CN=a\+OU=b|OU=b\+CN=a),O=c$/);
    expect(hex(parseNameText(`CN=#${hex(utf8String('x'))}`))).toBe(hex(sequence(set(atv(CN, utf8String('x'))))));
    expect(hex(canonicalNameDer(parseNameText('2.5.4.3=x')))).toBe(hex(canonicalNameDer(parseNameText('CN=x'))));
    expect(hex(canonicalNameDer(parseNameText('cn=x ;  o=y')))).toBe(hex(canonicalNameDer(parseNameText('CN=x,O=y'))));
  });

  it('names what is wrong', () => {
    expect(() => parseNameText('CN=x,Foo=y')).toThrow(NameTextError);
    expect(() => parseNameText('CN=x,Foo=y')).toThrow(/unknown attribute type "Foo"/);
    expect(() => parseNameText('CN')).toThrow(/expected "=" after attribute type "CN" at character 2/);
    expect(() => parseNameText('CN=#abc')).toThrow(/even number of hex digits/);
    expect(() => parseNameText('CN=x\\')).toThrow(/at the end/);
  });
});

describe('canonicalNameDer', () => {
  it('forgives string type, case and spacing; keeps RDN order and every value', () => {
    const a = sequence(set(atv(C, printableString('JP'))), set(atv(CN, utf8String('  Tokyo   Ward '))));
    const b = sequence(set(atv(C, utf8String('jp'))), set(atv(CN, printableString('tokyo ward'))));
    expect(hex(canonicalNameDer(a))).toBe(hex(canonicalNameDer(b)));
    const reversed = sequence(set(atv(CN, printableString('tokyo ward'))), set(atv(C, utf8String('jp'))));
    expect(hex(canonicalNameDer(reversed))).not.toBe(hex(canonicalNameDer(a)));
    const other = sequence(set(atv(C, printableString('JP'))), set(atv(CN, utf8String('Tokyo Ward 2'))));
    expect(hex(canonicalNameDer(other))).not.toBe(hex(canonicalNameDer(a)));
  });

  it('treats full-width and half-width Latin letters alike (NFKC), and sorts multi-valued RDNs', () => {
    const wide = sequence(set(atv(CN, utf8String('Ｐ０００１'))));
    expect(hex(canonicalNameDer(wide))).toBe(hex(canonicalNameDer(sequence(set(atv(CN, utf8String('p0001')))))));
    const ab = sequence(set(atv(CN, utf8String('a')), atv(OU, utf8String('b'))));
    const ba = sequence(tlv(0x31, atv(OU, utf8String('b')), atv(CN, utf8String('a'))));
    expect(hex(canonicalNameDer(ab))).toBe(hex(canonicalNameDer(ba)));
  });
});

describe('distribution point names', () => {
  it('reads URIs and directory names of a fullName, and expands a relative name under the CRL issuer', () => {
    const names = distributionPointNames(fullName(uriGn('HTTP://Example.JP/crl/P1.crl'), dirGn(caEncoded)), issuerDer);
    expect(names.map((n) => n.kind)).toEqual(['uri', 'dirName']);
    expect(scopeNamesMeet(names, [uriScopeName('http://example.jp/crl/P1.crl')])).toBe(true);
    // the path stays case sensitive (RFC 5280 §7.4)
    expect(scopeNamesMeet(names, [uriScopeName('http://example.jp/crl/p1.crl')])).toBe(false);
    expect(scopeNamesMeet(names, [dirNameTextScopeName('cn=P0001, ou=municipality, o=jpki simulator, c=jp')])).toBe(true);

    const relative = distributionPointNames(relativeName(atv(OU, utf8String('Municipality'))), issuerDer);
    expect(relative[0]?.text).toBe('DirName:OU=Municipality,O=JPKI Simulator,C=JP');
    expect(
      scopeNamesMeet(relative, [
        dirNameScopeName(
          sequence(set(atv(C, utf8String('JP'))), set(atv(O, utf8String('JPKI Simulator'))), set(atv(OU, printableString('municipality')))),
        ),
      ]),
    ).toBe(true);
    expect(scopeNamesMeet(relative, [dirNameTextScopeName('OU=Municipality,O=Other,C=JP')])).toBe(false);
  });

  it('an IDP without a distributionPoint has no names (the whole scope)', () => {
    expect(idpScopeNames(idp({ user: true }), issuerDer)).toBeNull();
    expect(idpScopeNames(null, issuerDer)).toBeNull();
    expect(idpScopeNames(idp({ dp: fullName(uriGn('http://x/p.crl')) }), issuerDer)?.[0]?.text).toBe('URI:http://x/p.crl');
  });
});

describe('checkCrlSlotScope', () => {
  const p1: CrlSlotScope = {
    kind: 'partition',
    names: [uriScopeName('http://sim/crl/ca/p0001.crl'), dirNameTextScopeName('CN=p0001,OU=Municipality,O=JPKI Simulator,C=JP')],
  };
  const full: CrlSlotScope = { kind: 'full', names: [uriScopeName('http://sim/crl/ca/full.crl')] };
  const p0Idp = idp({ dp: fullName(uriGn('http://sim/crl/ca/p0000.crl')), user: true });

  it('a partition slot takes its own partition, by URI or by directory name alone', () => {
    expect(checkCrlSlotScope(p1, idp({ dp: fullName(uriGn('http://sim/crl/ca/p0001.crl')), user: true }), issuerDer)).toEqual({ ok: true });
    expect(checkCrlSlotScope(p1, idp({ dp: fullName(dirGn(caEncoded)) }), issuerDer)).toEqual({ ok: true });
  });

  it("a partition slot refuses another partition's CRL and a CRL without a distribution point", () => {
    const wrong = checkCrlSlotScope(p1, p0Idp, issuerDer);
    expect(wrong).toMatchObject({ ok: false, reason: 'scope_mismatch' });
    expect(!wrong.ok && wrong.message).toMatch(/p0000\.crl.*not this slot's.*p0001\.crl/);
    expect(checkCrlSlotScope(p1, null, issuerDer)).toMatchObject({ ok: false, reason: 'scope_mismatch' });
    expect(checkCrlSlotScope(p1, idp({ user: true }), issuerDer)).toMatchObject({ ok: false, reason: 'scope_mismatch' });
  });

  it('a full slot takes a CRL without IDP, or naming the full scope or itself; refuses a partition CRL', () => {
    expect(checkCrlSlotScope(full, null, issuerDer)).toEqual({ ok: true });
    expect(checkCrlSlotScope(full, idp({ user: true }), issuerDer)).toEqual({ ok: true });
    expect(checkCrlSlotScope(full, idp({ dp: fullName(uriGn('http://sim/crl/ca/full.crl')) }), issuerDer)).toEqual({ ok: true });
    expect(checkCrlSlotScope(full, p0Idp, issuerDer)).toMatchObject({ ok: false, reason: 'scope_mismatch' });
  });

  it('refuses a CRL that is not complete for end-entity certificates, in any slot; onlyContainsUserCerts is fine', () => {
    const reasons = Uint8Array.of(0x06, 0x40); // ReasonFlags content: 6 unused bits, keyCompromise (bit 1)
    for (const flags of [{ ca: true }, { attr: true }, { reasons }]) {
      expect(checkCrlSlotScope(full, idp(flags), issuerDer)).toMatchObject({ ok: false, reason: 'scope_incomplete' });
      expect(checkCrlSlotScope(p1, idp({ ...flags, dp: fullName(uriGn('http://sim/crl/ca/p0001.crl')) }), issuerDer)).toMatchObject({
        ok: false,
        reason: 'scope_incomplete',
      });
    }
    expect(checkCrlSlotScope(full, idp({ indirect: true }), issuerDer)).toMatchObject({ ok: false, reason: 'indirect' });
    expect(checkCrlSlotScope(full, idp({ user: true }), issuerDer)).toEqual({ ok: true });
  });
});
