import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TAG,
  X509Error,
  bitString,
  enumerated,
  explicit,
  octetString,
  oid,
  readChildren,
  readSingle,
  sequence,
  assertOcspResponse,
  buildOcspRequest,
  parseCertificate,
  parseOcspResponse,
  verifyOcspResponse,
  type BuiltOcspRequest,
  type OcspResponse,
  type ParsedCertificate,
} from '@jpki-validator/x509';
import { issue, makeTempDir, openssl, selfSigned, type Issued, type TempDir } from './cert-openssl-helpers.js';

const GOOD = 0x1001n;
const REVOKED = 0x1002n;
const UNKNOWN = 0x1003n;
const REVOKED_AT = new Date('2024-01-15T10:30:00Z');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

let dir: TempDir;
let ca: Issued;
let caCert: ParsedCertificate;
/** delegated responder with id-kp-OCSPSigning, one without it, and one with it but issued by another key under the same DN */
let responder: Issued;
let notAuthorized: Issued;
let foreign: Issued;

/** Runs `openssl ocsp` as the responder over a request file and returns the parsed response and its file. */
async function respond(req: BuiltOcspRequest, signer: Issued, extra: string[] = []): Promise<{ resp: OcspResponse; path: string }> {
  const name = `resp-${Math.random().toString(36).slice(2)}`;
  const reqPath = await dir.write(`${name}.req.der`, req.der);
  const path = dir.file(`${name}.der`);
  await openssl([
    'ocsp',
    '-index',
    dir.file('index.txt'),
    '-CA',
    ca.certPath,
    '-rsigner',
    signer.certPath,
    '-rkey',
    signer.keyPath,
    '-reqin',
    reqPath,
    '-respout',
    path,
    '-ndays',
    '2',
    ...extra,
  ]);
  return { resp: parseOcspResponse(await dir.read(`${name}.der`)), path };
}

const request = (serial: bigint, nonce?: Uint8Array): BuiltOcspRequest =>
  buildOcspRequest({ serial, issuer: caCert, ...(nonce ? { nonce } : {}) });
const codes = (v: { problems: { code: string }[] }): string[] => v.problems.map((p) => p.code);

beforeAll(async () => {
  dir = await makeTempDir('ocsp');
  const caExt = 'basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash';
  ca = await selfSigned(dir, { name: 'ca', subject: '/C=JP/O=Sim/OU=JPKI for digital signature', key: 'rsa', extensions: caExt });
  caCert = parseCertificate(ca.der);
  const otherGeneration = await selfSigned(dir, {
    name: 'ca2',
    subject: '/C=JP/O=Sim/OU=JPKI for digital signature',
    key: 'ec-p256',
    extensions: caExt,
  });
  const ocspExt =
    'basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = OCSPSigning\nnoCheck = ignored';
  responder = await issue(dir, ca, {
    name: 'responder',
    subject: '/C=JP/CN=OCSP Responder',
    key: 'ec-p256',
    serial: '0x501',
    extensions: ocspExt,
  });
  notAuthorized = await issue(dir, ca, {
    name: 'noeku',
    subject: '/C=JP/CN=Not a responder',
    key: 'ec-p256',
    serial: '0x502',
    extensions: 'keyUsage = critical,digitalSignature\nextendedKeyUsage = clientAuth',
  });
  foreign = await issue(dir, otherGeneration, {
    name: 'foreign',
    subject: '/C=JP/CN=Other generation responder',
    key: 'ec-p256',
    serial: '0x503',
    extensions: ocspExt,
  });
  const expiry = '351231235959Z';
  await dir.write(
    'index.txt',
    [
      `V\t${expiry}\t\t${GOOD.toString(16).toUpperCase()}\tunknown\t/C=JP/CN=good`,
      `R\t${expiry}\t240115103000Z,keyCompromise\t${REVOKED.toString(16).toUpperCase()}\tunknown\t/C=JP/CN=revoked`,
      '',
    ].join('\n'),
  );
});
afterAll(async () => dir.remove());

describe('buildOcspRequest', () => {
  it.each(['sha1', 'sha256'] as const)('writes the same DER as `openssl ocsp -reqout` (%s, no nonce)', async (hash) => {
    const leaf = await issue(dir, ca, { name: `leaf-${hash}`, subject: '/CN=leaf', key: 'ec-p256', serial: '0x1001' });
    const ours = buildOcspRequest({ cert: parseCertificate(leaf.der), issuer: caCert, hash });
    const ref = dir.file(`ref-${hash}.der`);
    // the digest option applies to the -cert options after it
    await openssl(['ocsp', '-issuer', ca.certPath, `-${hash}`, '-cert', leaf.certPath, '-no_nonce', '-reqout', ref]);
    expect(hex(ours.der)).toBe(hex(await dir.read(`ref-${hash}.der`)));
    expect(ours.certId.serial).toBe(GOOD);
    expect(ours.nonce).toBeNull();
    const bySpki = buildOcspRequest({ serial: GOOD, issuer: { nameDer: caCert.subject.der, spki: caCert.spki }, hash });
    expect(bySpki.der).toEqual(ours.der);
  });

  it('carries the nonce as openssl reads it (-req_text)', async () => {
    const nonce = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
    const req = request(REVOKED, nonce);
    const path = await dir.write('nonce-req.der', req.der);
    const text = await openssl(['ocsp', '-reqin', path, '-req_text']);
    expect(text).toContain('Hash Algorithm: sha1');
    expect(text).toContain(`Issuer Name Hash: ${hex(req.certId.issuerNameHash)}`);
    expect(text).toContain(`Issuer Key Hash: ${hex(req.certId.issuerKeyHash)}`);
    expect(text).toContain('Serial Number: 1002');
    // openssl prints the extension value: OCTET STRING (04 10) then the nonce
    expect(text.replace(/\s+/g, '')).toContain(`OCSPNonce:0410${hex(nonce)}`);
    expect(req.nonce).toEqual(nonce);
  });

  it('refuses a nonce longer than 32 octets or empty, and a request without a serial', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof X509Error ? `${e.code}: ${e.message}` : String(e);
      }
      return 'no error';
    };
    expect(err(() => request(GOOD, new Uint8Array(33)))).toBe('OCSP_INVALID: OCSP nonce must be 1–32 octets (RFC 8954), got 33');
    expect(err(() => request(GOOD, new Uint8Array(0)))).toMatch(/got 0$/);
    expect(err(() => request(GOOD, new Uint8Array(32)))).toBe('no error');
    expect(err(() => buildOcspRequest({ issuer: caCert }))).toMatch(/^OCSP_INVALID: an OCSP request needs/);
  });
});

describe('parseOcspResponse and verifyOcspResponse against openssl ocsp', () => {
  it('reads good, revoked (with reason) and unknown answers signed by the CA itself', async () => {
    for (const [serial, status] of [
      [GOOD, 'good'],
      [REVOKED, 'revoked'],
      [UNKNOWN, 'unknown'],
    ] as const) {
      const req = request(serial);
      const { resp, path } = await respond(req, ca);
      expect(resp.responseStatus).toBe('successful');
      const single = resp.basic?.responses[0];
      expect(single?.status).toBe(status);
      expect(single?.certId).toEqual(req.certId);
      const v = verifyOcspResponse(resp, { issuer: caCert, request: req });
      expect(codes(v)).toEqual([]);
      expect(v).toMatchObject({ ok: true, signer: 'issuer', responderCert: null });
      expect(v.response).toBe(single);
      // cross-check times and responder with openssl's own reading
      const text = await openssl(['ocsp', '-respin', path, '-resp_text', '-noverify']);
      const at = (label: string) => new Date(new RegExp(`${label}: (.+ GMT)`).exec(text)?.[1] ?? 'x').getTime();
      expect(single?.thisUpdate.getTime()).toBe(at('This Update'));
      expect(single?.nextUpdate?.getTime()).toBe(at('Next Update'));
      expect(resp.basic?.producedAt.getTime()).toBe(at('Produced At'));
      expect(resp.basic?.responderId).toEqual({ type: 'byName', name: caCert.subject });
      if (status === 'revoked') {
        expect(single?.revocationTime).toEqual(REVOKED_AT);
        expect(single?.revocationReason).toBe('keyCompromise');
        expect(text).toContain('Reason: keyCompromise');
      } else {
        expect(single?.revocationTime).toBeNull();
        expect(single?.revocationReason).toBeNull();
      }
    }
  });

  it('accepts a delegated responder with id-kp-OCSPSigning, named byName or byKey, and echoes the nonce', async () => {
    const nonce = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const req = request(GOOD, nonce);
    for (const extra of [[], ['-resp_key_id']]) {
      const { resp } = await respond(req, responder, extra);
      expect(resp.basic?.nonce).toEqual(nonce);
      expect(resp.basic?.responderId.type).toBe(extra.length ? 'byKey' : 'byName');
      expect(resp.basic?.certs.map((c) => c.serialHex)).toEqual(['501']);
      const v = verifyOcspResponse(resp, { issuer: caCert, request: req });
      expect(codes(v)).toEqual([]);
      expect(v.signer).toBe('delegated');
      expect(v.responderCert?.serialHex).toBe('501');
      expect(assertOcspResponse(v).status).toBe('good');
    }
  });

  it('rejects a responder certificate without id-kp-OCSPSigning', async () => {
    const req = request(REVOKED);
    const { resp } = await respond(req, notAuthorized);
    const v = verifyOcspResponse(resp, { issuer: caCert, request: req });
    expect(v.ok).toBe(false);
    expect(codes(v)).toEqual(['RESPONDER_NOT_AUTHORIZED']);
    expect(() => assertOcspResponse(v)).toThrow(/OCSP response rejected: RESPONDER_NOT_AUTHORIZED/);
    try {
      assertOcspResponse(v);
    } catch (e) {
      expect(e).toBeInstanceOf(X509Error);
      expect((e as X509Error).code).toBe('OCSP_INVALID');
    }
  });

  it('rejects a responder issued by another CA key under the same DN', async () => {
    const req = request(GOOD);
    // openssl checks nothing here: it signs with whatever responder it is given
    const { resp } = await respond(req, foreign);
    expect(codes(verifyOcspResponse(resp, { issuer: caCert, request: req }))).toEqual(['RESPONDER_NOT_ISSUED_BY_CA']);
  });

  it('detects a tampered response', async () => {
    const req = request(REVOKED);
    const { path } = await respond(req, responder);
    const der = Uint8Array.from(await dir.read(path.slice(dir.path.length + 1)));
    // flip the last octet of the revoked serial inside tbsResponseData: the DER stays well-formed
    const serialAt = Buffer.from(der).indexOf(Buffer.from([0x02, 0x02, 0x10, 0x02]));
    expect(serialAt).toBeGreaterThan(0);
    der[serialAt + 3] = 0x03;
    const tampered = parseOcspResponse(der);
    expect(tampered.basic?.responses[0]?.certId.serial).toBe(0x1003n);
    const v = verifyOcspResponse(tampered, { issuer: caCert });
    expect(codes(v)).toEqual(['SIGNATURE_INVALID']);
    expect(v.signer).toBeNull();
  });

  it('detects a nonce mismatch, a missing CertID, and stale or future answers', async () => {
    const req = request(GOOD, Uint8Array.of(9, 9, 9, 9));
    const { resp } = await respond(req, responder);
    const other = request(GOOD, Uint8Array.of(7, 7, 7, 7));
    expect(codes(verifyOcspResponse(resp, { issuer: caCert, request: other }))).toEqual(['NONCE_MISMATCH']);
    expect(codes(verifyOcspResponse(resp, { issuer: caCert, request: { certId: req.certId, nonce: null } }))).toEqual([]);
    expect(codes(verifyOcspResponse(resp, { issuer: caCert, request: request(UNKNOWN) }))).toEqual(['CERT_ID_NOT_FOUND']);
    const single = resp.basic?.responses[0];
    if (!single?.nextUpdate) throw new Error('openssl -ndays sets nextUpdate');
    const after = new Date(single.nextUpdate.getTime() + 301_000);
    expect(codes(verifyOcspResponse(resp, { issuer: caCert, request: req, now: after }))).toEqual(['NEXT_UPDATE_PASSED']);
    expect(codes(verifyOcspResponse(resp, { issuer: caCert, request: req, now: after, skewSeconds: 600 }))).toEqual([]);
    const before = new Date(single.thisUpdate.getTime() - 3_600_000);
    // an hour early is also before the responder certificate's notBefore
    expect(codes(verifyOcspResponse(resp, { issuer: caCert, request: req, now: before }))).toEqual([
      'RESPONDER_CERT_NOT_VALID_NOW',
      'THIS_UPDATE_IN_FUTURE',
    ]);
  });

  it('rejects a response whose responderID names someone other than the signer', async () => {
    const req = request(GOOD);
    const { resp } = await respond(req, ca);
    const basic = resp.basic;
    if (!basic) throw new Error('no basic response');
    // Re-sign, with the CA key, ResponseData whose responderID is byName the delegated responder's subject.
    const tbs = basic.tbsResponseData;
    const [, ...rest] = readChildren(tbs, readSingle(tbs, 'tbs'), 'tbs');
    const responderName = parseCertificate(responder.der).subject.der;
    const newTbs = sequence(explicit(1, responderName), ...rest.map((f) => tbs.slice(f.start, f.contentEnd)));
    const caKey = createPrivateKey(readFileSync(ca.keyPath));
    const signature = new Uint8Array(sign('sha256', newTbs, caKey));
    const basicDer = sequence(newTbs, sequence(oid('1.2.840.113549.1.1.11'), Uint8Array.of(TAG.NULL, 0)), bitString(signature));
    const forged = sequence(enumerated(0), explicit(0, sequence(oid('1.3.6.1.5.5.7.48.1.1'), octetString(basicDer))));
    const v = verifyOcspResponse(parseOcspResponse(forged), { issuer: caCert, request: req });
    expect(codes(v)).toEqual(['RESPONDER_ID_MISMATCH']);
    expect(v.signer).toBe('issuer');
    // the same bytes with the original responderID verify: the forgery changed only the name
    const honest = sequence(
      enumerated(0),
      explicit(
        0,
        sequence(
          oid('1.3.6.1.5.5.7.48.1.1'),
          octetString(
            sequence(
              tbs,
              sequence(oid('1.2.840.113549.1.1.11'), Uint8Array.of(TAG.NULL, 0)),
              bitString(new Uint8Array(sign('sha256', tbs, caKey))),
            ),
          ),
        ),
      ),
    );
    expect(codes(verifyOcspResponse(parseOcspResponse(honest), { issuer: caCert, request: req }))).toEqual([]);
  });

  it('refuses a response type other than id-pkix-ocsp-basic', () => {
    const other = sequence(enumerated(0), explicit(0, sequence(oid('1.3.6.1.4.1.99999.1'), octetString(sequence()))));
    expect(() => parseOcspResponse(other)).toThrow(/unsupported OCSP responseType 1.3.6.1.4.1.99999.1/);
  });

  it('reports a response about another CA as not answering', async () => {
    const foreignCa = parseCertificate(await dir.read('ca2.pem').then((b) => Buffer.from(b).toString('utf8')));
    const bare = await respond(request(GOOD), ca, ['-resp_no_certs']);
    expect(codes(verifyOcspResponse(bare.resp, { issuer: foreignCa }))).toEqual(['SIGNATURE_INVALID', 'CERT_ID_NOT_FOUND']);
    // with the signing CA's certificate included, it is judged as a would-be delegated responder of the other generation
    const withCert = await respond(request(GOOD), ca);
    expect(codes(verifyOcspResponse(withCert.resp, { issuer: foreignCa }))).toEqual([
      'RESPONDER_NOT_ISSUED_BY_CA',
      'RESPONDER_NOT_AUTHORIZED',
      'CERT_ID_NOT_FOUND',
    ]);
  });
});
