import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { X509Error, buildOcspRequest, parseCertificate, parseOcspResponse, verifyOcspResponse, type CertId } from '@jpki-validator/x509';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/ocsp/${name}`, import.meta.url)));

function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof X509Error) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('OCSP fixtures (see fixtures/README.md)', () => {
  const ca = parseCertificate(Buffer.from(fixture('ca.pem')).toString('utf8'));
  const resp = parseOcspResponse(fixture('revoked-delegated.der'));

  it('reads and verifies the delegated revoked answer', () => {
    const single = resp.basic?.responses[0];
    expect(single).toMatchObject({
      status: 'revoked',
      revocationReason: 'cessationOfOperation',
      revocationTime: new Date('2024-01-15T10:30:00Z'),
    });
    expect(single?.certId.serial).toBe(0x1002n);
    expect(resp.basic?.nonce?.length).toBe(16);
    const certId = single?.certId as CertId;
    const v = verifyOcspResponse(resp, {
      issuer: ca,
      request: { certId, nonce: resp.basic?.nonce ?? null },
      now: new Date('2027-01-01T00:00:00Z'),
    });
    expect(v.problems).toEqual([]);
    expect(v.signer).toBe('delegated');
  });

  it("rebuilds openssl's request byte for byte given its nonce", () => {
    const req = fixture('req.der');
    const nonce = req.subarray(req.length - 16); // the nonce OCTET STRING is the request's last element
    const ours = buildOcspRequest({ serial: 0x1002n, issuer: ca, nonce });
    expect(Buffer.from(ours.der).toString('hex')).toBe(Buffer.from(req).toString('hex'));
    expect(ours.certId).toEqual(resp.basic?.responses[0]?.certId);
  });

  it('reads a non-successful status without a body', () => {
    const later = parseOcspResponse(fixture('try-later.der'));
    expect(later).toMatchObject({ responseStatus: 'tryLater', basic: null });
    expect(verifyOcspResponse(later, { issuer: ca }).problems).toEqual([
      { code: 'NOT_SUCCESSFUL', message: 'responder answered tryLater' },
    ]);
  });

  it('refuses the broken ones with OCSP_MALFORMED naming the place', () => {
    expect(failure(() => parseOcspResponse(fixture('broken-status-4.der')))).toBe(
      'OCSP_MALFORMED: malformed OCSP response: unknown responseStatus 4 at byte 2 (responseStatus)',
    );
    expect(failure(() => parseOcspResponse(fixture('broken-truncated.der')))).toMatch(
      /^OCSP_MALFORMED: malformed OCSP response: element of \d+ bytes runs past the end .* at byte 0 \(OCSPResponse\)$/,
    );
    expect(failure(() => parseOcspResponse(fixture('broken-cert-status.der')))).toBe(
      'OCSP_MALFORMED: malformed OCSP response: CertStatus tag 0xa3 is not good [0], revoked [1] or unknown [2] at byte 169 (responses[0].certStatus)',
    );
  });
});
