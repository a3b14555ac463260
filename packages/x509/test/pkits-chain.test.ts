import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatePath } from '../src/path/validate-path.js';
import type { PathErrorCode, PathResult } from '../src/path/types.js';

/**
 * Beyond the revocation sections (pkits.test.ts): PKITS tests of the chain checks validatePath makes on the way — signatures (4.1),
 * self-issued key rollover and CRL-signing keys (4.5), basicConstraints and pathLenConstraint (4.6), keyUsage (4.7). A sample, not
 * the whole sections: each one exercises a different rule.
 */
const PKITS = '/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data';
const TIME = new Date('2025-06-01T00:00:00Z');

interface Case {
  id: string;
  ee: string;
  /** every certificate PKITS hands over besides the EE and the anchor (path and CRL signers) */
  path: string[];
  crls: string[];
  result: PathResult;
  code?: PathErrorCode;
  depth?: number;
}

const SELF_ISSUED_CRL_KEY = {
  path: ['BasicSelfIssuedCRLSigningKeyCRLCert.crt', 'BasicSelfIssuedCRLSigningKeyCACert.crt'],
  crls: ['BasicSelfIssuedCRLSigningKeyCRLCertCRL.crl', 'BasicSelfIssuedCRLSigningKeyCACRL.crl'],
};
const OLD_KEY = {
  path: ['BasicSelfIssuedOldKeyNewWithOldCACert.crt', 'BasicSelfIssuedOldKeyCACert.crt'],
  crls: ['BasicSelfIssuedOldKeySelfIssuedCertCRL.crl', 'BasicSelfIssuedOldKeyCACRL.crl'],
};

const CASES: Case[] = [
  {
    id: '4.1.2 Invalid CA Signature Test2',
    ee: 'InvalidCASignatureTest2EE.crt',
    path: ['BadSignedCACert.crt'],
    crls: ['BadSignedCACRL.crl'],
    result: 'invalid',
    code: 'SIGNATURE_INVALID',
    depth: 1,
  },
  { id: '4.5.3 Valid Basic Self-Issued New With Old Test3', ee: 'ValidBasicSelfIssuedNewWithOldTest3EE.crt', ...OLD_KEY, result: 'valid' },
  {
    id: '4.5.5 Invalid Basic Self-Issued New With Old Test5',
    ee: 'InvalidBasicSelfIssuedNewWithOldTest5EE.crt',
    ...OLD_KEY,
    result: 'revoked',
    code: 'CERT_REVOKED',
    depth: 0,
  },
  {
    id: '4.5.6 Valid Basic Self-Issued CRL Signing Key Test6',
    ee: 'ValidBasicSelfIssuedCRLSigningKeyTest6EE.crt',
    ...SELF_ISSUED_CRL_KEY,
    result: 'valid',
  },
  {
    id: '4.5.7 Invalid Basic Self-Issued CRL Signing Key Test7',
    ee: 'InvalidBasicSelfIssuedCRLSigningKeyTest7EE.crt',
    ...SELF_ISSUED_CRL_KEY,
    result: 'revoked',
    code: 'CERT_REVOKED',
    depth: 0,
  },
  {
    id: '4.5.8 Invalid Basic Self-Issued CRL Signing Key Test8',
    ee: 'InvalidBasicSelfIssuedCRLSigningKeyTest8EE.crt',
    ...SELF_ISSUED_CRL_KEY,
    result: 'invalid',
    code: 'NOT_A_CA',
    depth: 1,
  },
  {
    id: '4.6.1 Invalid Missing basicConstraints Test1',
    ee: 'InvalidMissingbasicConstraintsTest1EE.crt',
    path: ['MissingbasicConstraintsCACert.crt'],
    crls: ['MissingbasicConstraintsCACRL.crl'],
    result: 'invalid',
    code: 'NOT_A_CA',
    depth: 1,
  },
  {
    id: '4.6.2 Invalid cA False Test2',
    ee: 'InvalidcAFalseTest2EE.crt',
    path: ['basicConstraintsCriticalcAFalseCACert.crt'],
    crls: ['basicConstraintsCriticalcAFalseCACRL.crl'],
    result: 'invalid',
    code: 'NOT_A_CA',
    depth: 1,
  },
  {
    id: '4.6.4 Valid basicConstraints Not Critical Test4',
    ee: 'ValidbasicConstraintsNotCriticalTest4EE.crt',
    path: ['basicConstraintsNotCriticalCACert.crt'],
    crls: ['basicConstraintsNotCriticalCACRL.crl'],
    result: 'valid',
  },
  {
    id: '4.6.5 Invalid pathLenConstraint Test5',
    ee: 'InvalidpathLenConstraintTest5EE.crt',
    path: ['pathLenConstraint0subCACert.crt', 'pathLenConstraint0CACert.crt'],
    crls: ['pathLenConstraint0CACRL.crl', 'pathLenConstraint0subCACRL.crl'],
    result: 'invalid',
    code: 'PATH_LENGTH_EXCEEDED',
    depth: 2,
  },
  {
    id: '4.6.7 Valid pathLenConstraint Test7',
    ee: 'ValidpathLenConstraintTest7EE.crt',
    path: ['pathLenConstraint0CACert.crt'],
    crls: ['pathLenConstraint0CACRL.crl'],
    result: 'valid',
  },
  {
    id: '4.7.1 Invalid keyUsage Critical keyCertSign False Test1',
    ee: 'InvalidkeyUsageCriticalkeyCertSignFalseTest1EE.crt',
    path: ['keyUsageCriticalkeyCertSignFalseCACert.crt'],
    crls: ['keyUsageCriticalkeyCertSignFalseCACRL.crl'],
    result: 'invalid',
    code: 'KEY_USAGE_NO_CERT_SIGN',
    depth: 1,
  },
  {
    id: '4.7.3 Valid keyUsage Not Critical Test3',
    ee: 'ValidkeyUsageNotCriticalTest3EE.crt',
    path: ['keyUsageNotCriticalCACert.crt'],
    crls: ['keyUsageNotCriticalCACRL.crl'],
    result: 'valid',
  },
  {
    id: '4.7.4 Invalid keyUsage Critical cRLSign False Test4',
    ee: 'InvalidkeyUsageCriticalcRLSignFalseTest4EE.crt',
    path: ['keyUsageCriticalcRLSignFalseCACert.crt'],
    crls: ['keyUsageCriticalcRLSignFalseCACRL.crl'],
    result: 'unknown',
    code: 'CRL_SIGNER_NOT_FOUND',
    depth: 0,
  },
];

const read = (dir: string, name: string): Uint8Array => readFileSync(join(PKITS, dir, name));

describe('PKITS chain checks (sample of 4.1, 4.5, 4.6, 4.7)', () => {
  it.each(CASES.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const out = validatePath(read('certs', c.ee), {
      intermediates: c.path.map((f) => read('certs', f)),
      trustAnchors: [read('certs', 'TrustAnchorRootCertificate.crt')],
      crls: ['TrustAnchorRootCRL.crl', ...c.crls].map((f) => read('crls', f)),
      time: TIME,
    });
    expect(out.result, JSON.stringify(out.errors)).toBe(c.result);
    if (c.code === undefined) expect(out.errors).toEqual([]);
    else expect(out.errors.map((e) => `${e.depth}:${e.code}`)).toContain(`${c.depth ?? 0}:${c.code}`);
  });
});
