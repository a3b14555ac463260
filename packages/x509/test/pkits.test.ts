import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validatePath } from '../src/path/validate-path.js';
import { ALL_CASES, BASIC_REVOCATION, DELTA_CRLS, DISTRIBUTION_POINTS, type PkitsCase } from './pkits/table.js';

const PKITS = '/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data';
/** Inside every PKITS certificate's validity (2010–2030) and after every CRL's thisUpdate; fixed so the suite never drifts. */
const VALIDATION_TIME = new Date('2025-06-01T00:00:00Z');

const cert = (name: string): Uint8Array => readFileSync(join(PKITS, 'certs', name));
const crl = (name: string): { bytes: Uint8Array; label: string } => ({ bytes: readFileSync(join(PKITS, 'crls', name)), label: name });

function run(tc: PkitsCase) {
  return validatePath(cert(tc.ee), {
    // Off-path certificates first and the path reversed: the builder must find the chain, not be handed it.
    intermediates: [...tc.others, ...[...tc.intermediates].reverse()].map(cert),
    trustAnchors: [cert('TrustAnchorRootCertificate.crt')],
    crls: ['TrustAnchorRootCRL.crl', ...tc.crls].map(crl),
    time: VALIDATION_TIME,
  });
}

describe.each([
  ['4.4 basic certificate revocation', BASIC_REVOCATION],
  ['4.14 distribution points', DISTRIBUTION_POINTS],
  ['4.15 delta CRLs', DELTA_CRLS],
])('PKITS %s', (_section, cases) => {
  it.each(cases.map((tc) => [`${tc.id} ${tc.name}`, tc] as const))('%s', (_title, tc) => {
    const out = run(tc);
    const summary = { result: out.result, errors: out.errors.map((e) => `${e.depth}:${e.code}`) };
    expect(summary.result, JSON.stringify(out.errors)).toBe(tc.expect.result);
    if (tc.expect.code !== undefined) {
      expect(summary.errors).toContain(`${tc.expect.depth ?? 0}:${tc.expect.code}`);
    } else {
      expect(out.errors).toEqual([]);
    }
    if (tc.expect.result === 'revoked') {
      expect(out.revocation?.depth).toBe(tc.expect.depth);
      if (tc.expect.reason !== undefined) expect(out.revocation?.reason).toBe(tc.expect.reason);
    } else {
      expect(out.revocation).toBeNull();
    }
    // The validator agrees with the PKITS verdict except where the table documents a deviation (indirect CRLs only).
    if (tc.deviation === undefined) expect(out.result === 'valid').toBe(tc.pkits === 'valid');
    else expect(out.errors.map((e) => e.code)).toContain('INDIRECT_CRL');
    // Every path is built to the trust anchor, through exactly the PKITS path: what these sections judge is revocation.
    const expectedPath = [tc.ee, ...tc.intermediates, 'TrustAnchorRootCertificate.crt'].map((f) => Buffer.from(cert(f)).toString('base64'));
    expect(out.chain.map((c) => Buffer.from(c.der).toString('base64'))).toEqual(expectedPath);
  });
});

describe('PKITS table', () => {
  it('holds every test of sections 4.4, 4.14 and 4.15 exactly once, none skipped', () => {
    const expected = [
      ...Array.from({ length: 21 }, (_, i) => `4.4.${i + 1}`),
      ...Array.from({ length: 35 }, (_, i) => `4.14.${i + 1}`),
      ...Array.from({ length: 10 }, (_, i) => `4.15.${i + 1}`),
    ];
    expect(ALL_CASES.map((tc) => tc.id)).toEqual(expected);
  });

  it('is documented line by line in test/pkits/README.md', () => {
    const readme = readFileSync(fileURLToPath(new URL('./pkits/README.md', import.meta.url)), 'utf8');
    for (const tc of ALL_CASES) expect(readme, tc.id).toMatch(new RegExp(`^\\| ${tc.id.replace(/\./g, '\\.')} \\|`, 'm'));
  });
});
