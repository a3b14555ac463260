import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificate } from '@jpki-validator/x509';
import { describe, expect, it } from 'vitest';
import { JPKI_SHIPPED_CAS, TRUST_ANCHORS_DIR } from './index.js';

/** the README's table: file → fingerprint, serial, notAfter */
function readmeRows(): Map<string, { id: string; serial: string; fingerprint: string; notAfter: string }> {
  const readme = readFileSync(join(TRUST_ANCHORS_DIR, 'README.md'), 'utf8');
  const rows = new Map<string, { id: string; serial: string; fingerprint: string; notAfter: string }>();
  for (const m of readme.matchAll(
    /^\| `([^`]+\.pem)` \| `([^`]+)` \| [^|]+ \| `([0-9A-F]+)` \| [^→]+→ ([0-9-]+ [0-9:]+) \| `([0-9A-F:]+)` \|$/gm,
  )) {
    rows.set(m[1] as string, { id: m[2] as string, serial: m[3] as string, notAfter: m[4] as string, fingerprint: m[5] as string });
  }
  return rows;
}

describe('the shipped J-LIS trust anchors', () => {
  const rows = readmeRows();

  it('are exactly the files the README lists, each with the fingerprint, serial and end it states', () => {
    expect([...rows.keys()].sort()).toEqual(JPKI_SHIPPED_CAS.map((c) => c.file).sort());
    for (const ca of JPKI_SHIPPED_CAS) {
      const pem = readFileSync(join(TRUST_ANCHORS_DIR, ca.file), 'utf8');
      const node = new X509Certificate(pem);
      const row = rows.get(ca.file);
      expect(row, ca.file).toBeDefined();
      // recomputed from the bytes by Node's OpenSSL, not copied
      expect(node.fingerprint256).toBe(row?.fingerprint);
      expect(node.serialNumber.replace(/^0+(?=.)/, '')).toBe(row?.serial.replace(/^0+(?=.)/, ''));
      expect(row?.id).toBe(ca.id);
      expect(new Date(node.validTo).toISOString().replace(/\.000Z$/, 'Z')).toBe(ca.notAfter);
      expect(`${ca.notAfter.slice(0, 10)} ${ca.notAfter.slice(11, 19)}`).toBe(row?.notAfter);
      expect(node.checkIssued(node)).toBe(true);
      expect(node.verify(node.publicKey)).toBe(true);
    }
  });

  it('parse with our engine, as J-LIS CAs of the kind the preset gives them', () => {
    for (const ca of JPKI_SHIPPED_CAS) {
      const cert = parseCertificate(readFileSync(join(TRUST_ANCHORS_DIR, ca.file), 'utf8'));
      expect(cert.basicConstraints?.cA).toBe(true);
      expect(cert.keyUsage?.cRLSign).toBe(true);
      expect(cert.subject.text).toContain('O=JPKI');
      expect(cert.subject.text).toContain(ca.kind === 'sign' ? 'OU=JPKI for digital signature' : 'OU=JPKI for user authentication');
    }
  });
});
