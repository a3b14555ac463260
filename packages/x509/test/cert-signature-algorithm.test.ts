/**
 * Certificates whose structure lies about what was signed or says one thing twice. RFC 5280 §4.1.1.2: the outer signatureAlgorithm "MUST contain the same algorithm identifier as the signature field in the
 * sequence tbsCertificate". An altered outer algorithm is not covered by the signature, so a parser that accepts it lets anyone
 * relabel what the signature is said to be.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  concatBytes,
  nullValue,
  oid,
  parseCertificate,
  pemToDer,
  readChildren,
  readSingle,
  sequence,
  tlv,
  X509Error,
} from '../src/index.js';

const der = pemToDer(readFileSync(new URL('./fixtures/cert/jpki-like-sign.pem', import.meta.url), 'latin1'), 'CERTIFICATE');

/** the certificate with its outer signatureAlgorithm replaced (the signed tbsCertificate and the signature untouched) */
function withOuterAlgorithm(algorithm: Uint8Array): Uint8Array {
  const cert = readSingle(der, 'certificate');
  const [tbs, , sig] = readChildren(der, cert, 'certificate');
  if (!tbs || !sig) throw new Error('fixture is not a certificate');
  return tlv(0x30, concatBytes([der.subarray(tbs.start, tbs.contentEnd), algorithm, der.subarray(sig.start, sig.contentEnd)]));
}

function refusal(input: Uint8Array): X509Error {
  try {
    parseCertificate(input);
  } catch (e) {
    if (e instanceof X509Error) return e;
    throw e;
  }
  throw new Error('expected the certificate to be refused');
}

describe('outer signatureAlgorithm vs tbsCertificate.signature', () => {
  it('the fixture as issued parses (ecdsa-with-SHA256 in both places)', () => {
    expect(parseCertificate(der).signatureAlgorithm?.name).toBe('ecdsa-with-SHA256');
    expect(parseCertificate(withOuterAlgorithm(sequence(oid('1.2.840.10045.4.3.2')))).serialHex).toBe('7F00D015');
  });

  it('another algorithm outside is refused as CERT_MALFORMED naming both fields', () => {
    const e = refusal(withOuterAlgorithm(sequence(oid('1.2.840.10045.4.3.3'))));
    expect(e.code).toBe('CERT_MALFORMED');
    expect(e.message).toMatch(/signatureAlgorithm differs from tbsCertificate\.signature/);
  });

  it('the same OID with other parameters (NULL instead of absent) is refused too: the identifiers must be the same bytes', () => {
    expect(refusal(withOuterAlgorithm(sequence(oid('1.2.840.10045.4.3.2'), nullValue()))).code).toBe('CERT_MALFORMED');
  });
});

describe('an extension twice', () => {
  it('pyca two_basic_constraints.pem (basicConstraints twice) is refused as CERT_MALFORMED naming the extension', () => {
    const pem = readFileSync('/usr/lib/python3/dist-packages/cryptography_vectors/x509/custom/two_basic_constraints.pem', 'latin1');
    const e = refusal(pemToDer(pem, 'CERTIFICATE'));
    expect(e.code).toBe('CERT_MALFORMED');
    expect(e.message).toMatch(/extension 2\.5\.29\.19 appears twice/);
  });
});
