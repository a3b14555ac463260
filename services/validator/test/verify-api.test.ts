/**
 * POST /v1/verify and POST /v1/challenges over the embedded store loaded from real simulator CRLs, with OpenSSL as the signer:
 * raw PKCS#1 v1.5 / PSS / ECDSA signatures over data and digests, several documents, CMS attached and detached, tampering, the
 * wrong certificate kind, revoked and expired certificates, login challenges (replayed, expired), personal details and scopes.
 */
import { randomBytes } from 'node:crypto';
import type { IssuedCertificate } from '@jpki-validator/sim';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonalDetailsEvent } from '../src/personal-audit.js';
import {
  buildService,
  loadCrlFile,
  simWorld,
  tempDir,
  writeConfig,
  writePartitionCrls,
  type SimWorld,
  type TestService,
} from './helpers.js';
import { b64, OpensslSigner, sha256, type Signer } from './verify-fixture.js';

let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let store: EmbeddedRevocationStore;
let svc: TestService;
let configFile: string;
let openssl: OpensslSigner;
let sign: Signer;
let auth: Signer;
let signEc: Signer;
let revoked: Signer;
let expired: Signer;
let signIssued: IssuedCertificate;
let revokedAtMs: number;
const doc = new Uint8Array(randomBytes(5000));

type Body = Record<string, unknown>;
async function post(app: TestService['app'], path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Body };
}
const verify = (body: unknown, headers: Record<string, string> = {}) => post(svc.app, '/v1/verify', body, headers);
const flip = (bytes: Uint8Array, at = 0): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
};

beforeAll(async () => {
  tmp = await tempDir('verify');
  world = await simWorld(tmp.path);
  const { sim } = world;
  openssl = new OpensslSigner(tmp.path);
  revokedAtMs = sim.generationTime().getTime() - 86_400_000;
  signIssued = await sim.issueCertificate({ ca: 'jpki-sign-2023' });
  sign = await openssl.fromPem('sign', signIssued.pem, signIssued.privateKeyPem);
  const authIssued = await sim.issueCertificate({ ca: 'jpki-auth-2023' });
  auth = await openssl.fromPem('auth', authIssued.pem, authIssued.privateKeyPem);
  const ecIssued = await sim.issueCertificate({ ca: 'jpki-sign-2023', key: 'ec' });
  signEc = await openssl.fromPem('sign-ec', ecIssued.pem, ecIssued.privateKeyPem);
  // valid well before its revocation, so `at` can look at a time it was good
  const dead = await sim.issueCertificate({ ca: 'jpki-sign-2023', notBefore: new Date(revokedAtMs - 10 * 86_400_000) });
  await sim.revoke({ ca: 'jpki-sign-2023', serial: dead.serial, reason: 'affiliationChanged', revokedAt: new Date(revokedAtMs) });
  revoked = await openssl.fromPem('revoked', dead.pem, dead.privateKeyPem);
  const day = 86_400_000;
  const old = await sim.issueCertificate({
    ca: 'jpki-sign-2023',
    notBefore: new Date(Date.now() - 10 * day),
    notAfter: new Date(Date.now() - day),
  });
  expired = await openssl.fromPem('expired', old.pem, old.privateKeyPem);

  store = await openEmbeddedStore();
  const crls = {
    'jpki-sign-2023': await writePartitionCrls(world, 'jpki-sign-2023'),
    'jpki-auth-2023': await writePartitionCrls(world, 'jpki-auth-2023'),
  };
  for (const [caId, list] of Object.entries(crls)) for (const p of list) await loadCrlFile(store, caId, p.name, p.source);
  configFile = await writeConfig(tmp.path, 'verify', [
    { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: sim.caCertificatePath('jpki-sign-2023'), crls: crls['jpki-sign-2023'] },
    { id: 'jpki-auth-2023', group: 'jpki-auth', caCert: sim.caCertificatePath('jpki-auth-2023'), crls: crls['jpki-auth-2023'] },
  ]);
  svc = await buildService(configFile, store, store.kv);
});

afterAll(async () => {
  await world?.close();
  await store?.close();
  await tmp?.remove();
});

describe('one signature (the identity check with a signature certificate)', () => {
  it('a card-style PKCS#1 v1.5 SHA-256 signature over the document and over its digest: valid, with the full validation', async () => {
    const signature = await openssl.dgstSign(sign, doc);
    const { status, body } = await verify({ certificate: sign.certPem, data: b64(doc), signature: b64(signature) });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      result: 'valid',
      signature: 'valid',
      items: [{ signature: 'valid', algorithm: 'rsa-pkcs1-sha256' }],
      purpose: 'document',
      requiredKind: 'sign',
      kindFits: true,
      cms: null,
      challenge: null,
      personal: { requested: false, included: false, reason: 'not_requested' },
      errors: [],
    });
    // exactly what /v1/validate answers for the certificate
    const validate = await post(svc.app, '/v1/validate', { certificate: sign.certPem });
    const validation = body.validation as Body;
    expect({ ...validation, status: { ...(validation.status as Body), checkedAt: null } }).toEqual({
      ...validate.body,
      status: { ...(validate.body.status as Body), checkedAt: null },
    });
    expect(validation).toMatchObject({ result: 'valid', certificate: { kind: 'sign', caId: 'jpki-sign-2023', serial: signIssued.serial } });
    const byDigest = await verify({ certificate: b64(signIssued.der), digest: b64(sha256(doc)), signature: b64(signature) });
    expect(byDigest.body).toMatchObject({ result: 'valid', signature: 'valid' });
    expect(JSON.stringify(body)).not.toContain('BEGIN CERTIFICATE');
  });

  it('tampered data, a tampered digest or a tampered signature: a 200 with invalid, not an error', async () => {
    const signature = await openssl.dgstSign(sign, doc);
    for (const request of [
      { data: b64(flip(doc, 4000)), signature: b64(signature) },
      { digest: b64(flip(sha256(doc), 31)), signature: b64(signature) },
      { data: b64(doc), signature: b64(flip(signature, 100)) },
    ]) {
      const { status, body } = await verify({ certificate: sign.certPem, ...request });
      expect(status).toBe(200);
      expect(body).toMatchObject({ result: 'invalid', signature: 'invalid', errors: [{ code: 'signature_invalid' }] });
      expect((body.validation as Body).result).toBe('valid');
    }
  });

  it('RSA-PSS and ECDSA (openssl pkeyutl over the digest) with a simulator EC key', async () => {
    const pss = await openssl.pkeyutlSign(sign, sha256(doc), ['digest:sha256', 'rsa_padding_mode:pss', 'rsa_pss_saltlen:32']);
    const asPss = await verify({ certificate: sign.certPem, data: b64(doc), signature: b64(pss), algorithm: 'rsa-pss-sha256' });
    expect(asPss.body).toMatchObject({ result: 'valid', items: [{ algorithm: 'rsa-pss-sha256' }] });
    const asPkcs1 = await verify({ certificate: sign.certPem, data: b64(doc), signature: b64(pss) });
    expect(asPkcs1.body).toMatchObject({ result: 'invalid', signature: 'invalid' });
    const ecdsa = await openssl.pkeyutlSign(signEc, sha256(doc));
    const ec = await verify({ certificate: signEc.certPem, digest: b64(sha256(doc)), signature: b64(ecdsa) });
    expect(ec.body).toMatchObject({ result: 'valid', items: [{ algorithm: 'ecdsa-sha256' }], validation: { result: 'valid' } });
    const ecTampered = await verify({ certificate: signEc.certPem, data: b64(flip(doc)), signature: b64(ecdsa) });
    expect(ecTampered.body).toMatchObject({ signature: 'invalid' });
  });

  it('the wrong kind: an authentication certificate cannot sign documents, a signature certificate cannot log in', async () => {
    const signature = await openssl.dgstSign(auth, doc);
    const { body } = await verify({ certificate: auth.certPem, data: b64(doc), signature: b64(signature) });
    expect(body).toMatchObject({
      result: 'invalid',
      signature: 'valid',
      requiredKind: 'sign',
      kindFits: false,
      validation: { result: 'valid', certificate: { kind: 'auth' } },
      errors: [{ code: 'kind_mismatch' }],
    });
    const asLogin = await verify({ certificate: auth.certPem, data: b64(doc), signature: b64(signature), purpose: 'login' });
    expect(asLogin.body).toMatchObject({ result: 'valid', kindFits: true });
  });

  it('a revoked certificate: the reason and its meaning; `at` before the revocation judges it then', async () => {
    const signature = await openssl.dgstSign(revoked, doc);
    const now = await verify({ certificate: revoked.certPem, data: b64(doc), signature: b64(signature) });
    expect(now.body).toMatchObject({
      result: 'invalid',
      signature: 'valid',
      validation: { result: 'revoked', status: { status: 'revoked', reason: 'affiliationChanged', meaning: 'death_or_emigration' } },
      errors: [{ code: 'certificate_revoked' }],
    });
    const before = new Date(revokedAtMs - 3_600_000).toISOString();
    const then = await verify({ certificate: revoked.certPem, data: b64(doc), signature: b64(signature), at: before });
    expect(then.body).toMatchObject({ result: 'valid', validation: { result: 'valid', status: { status: 'good' } } });
  });

  it('an expired certificate, and an OpenSSL-made one no configured CA issued', async () => {
    const old = await verify({ certificate: expired.certPem, data: b64(doc), signature: b64(await openssl.dgstSign(expired, doc)) });
    expect(old.body).toMatchObject({ result: 'invalid', signature: 'valid', errors: [{ code: 'certificate_expired' }] });
    const foreign = await openssl.selfSigned('foreign');
    const { body } = await verify({ certificate: foreign.certPem, data: b64(doc), signature: b64(await openssl.dgstSign(foreign, doc)) });
    expect(body).toMatchObject({
      result: 'invalid',
      signature: 'valid',
      validation: { result: 'invalid', certificate: { caId: null, kind: 'other' }, errors: [{ code: 'issuer_unknown' }] },
    });
    expect((body.errors as Body[]).map((e) => e.code)).toEqual(['certificate_invalid', 'kind_mismatch']);
  });
});

describe('several documents signed in one transaction', () => {
  it('one verdict per item (ids echoed), one certificate validation', async () => {
    const docs = [0, 1, 2].map(() => new Uint8Array(randomBytes(700)));
    const sigs = await Promise.all(docs.map((d) => openssl.dgstSign(sign, d)));
    const items = [
      { id: 'contract', data: b64(docs[0] as Uint8Array), signature: b64(sigs[0] as Uint8Array) },
      { id: 2, digest: b64(sha256(docs[1] as Uint8Array)), signature: b64(sigs[1] as Uint8Array) },
      { id: 'tampered', data: b64(flip(docs[2] as Uint8Array)), signature: b64(sigs[2] as Uint8Array) },
    ];
    const { body } = await verify({ certificate: sign.certPem, items });
    expect(body).toMatchObject({
      result: 'invalid',
      signature: 'invalid',
      items: [
        { id: 'contract', signature: 'valid' },
        { id: 2, signature: 'valid' },
        { id: 'tampered', signature: 'invalid' },
      ],
      validation: { result: 'valid' },
      errors: [{ code: 'signature_invalid', message: expect.stringContaining('item 2 (id tampered)') }],
    });
    const allGood = await verify({ certificate: sign.certPem, items: items.slice(0, 2) });
    expect(allGood.body).toMatchObject({ result: 'valid', signature: 'valid' });
  });
});

describe('CMS SignedData (openssl cms -sign)', () => {
  it('detached: over the document or its digest, the certificate taken from the message, the signing time reported', async () => {
    const cms = await openssl.cmsSign(sign, doc);
    const { body } = await verify({ cms: b64(cms), data: b64(doc) });
    expect(body).toMatchObject({
      result: 'valid',
      signature: 'valid',
      items: [{ signature: 'valid', algorithm: 'sha256WithRSAEncryption' }],
      validation: { result: 'valid', certificate: { serial: signIssued.serial, kind: 'sign' } },
      cms: {
        valid: true,
        detached: true,
        contentType: '1.2.840.113549.1.7.1',
        digestAlgorithm: 'sha256',
        signingTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        checks: { signedAttributes: true, contentType: 'match', messageDigest: 'match', signature: 'valid' },
      },
    });
    expect((await verify({ cms: b64(cms), digest: b64(sha256(doc)) })).body).toMatchObject({ result: 'valid' });
    const tampered = await verify({ cms: b64(cms), data: b64(flip(doc, 10)) });
    expect(tampered.body).toMatchObject({
      result: 'invalid',
      signature: 'invalid',
      cms: { checks: { messageDigest: 'mismatch', signature: 'valid' } },
      errors: [{ code: 'signature_invalid', message: expect.stringContaining('messageDigest mismatch') }],
    });
    const missing = await verify({ cms: b64(cms) });
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toMatch(/^data: /);
  });

  it('attached (-nodetach), a tampered signature, and a message without certificates (-nocerts) with the certificate sent', async () => {
    const cms = await openssl.cmsSign(sign, doc, ['-nodetach']);
    expect((await verify({ cms: b64(cms) })).body).toMatchObject({ result: 'valid', cms: { detached: false } });
    const broken = Uint8Array.from(cms);
    broken[broken.length - 5] = (broken[broken.length - 5] as number) ^ 0xff; // inside the signature, the last field
    expect((await verify({ cms: b64(broken) })).body).toMatchObject({ signature: 'invalid', cms: { checks: { signature: 'invalid' } } });
    const bare = await openssl.cmsSign(sign, doc, ['-nocerts']);
    expect((await verify({ cms: b64(bare), data: b64(doc) })).status).toBe(400);
    expect((await verify({ cms: b64(bare), data: b64(doc), certificate: sign.certPem })).body).toMatchObject({ result: 'valid' });
    expect((await verify({ cms: b64(bare), data: b64(doc), certificate: auth.certPem })).body.detail).toMatch(
      /^certificate: is not the CMS signer/,
    );
  });

  it('an authentication certificate signing a document in CMS is the wrong kind', async () => {
    const cms = await openssl.cmsSign(auth, doc);
    expect((await verify({ cms: b64(cms), data: b64(doc) })).body).toMatchObject({
      result: 'invalid',
      signature: 'valid',
      kindFits: false,
      errors: [{ code: 'kind_mismatch' }],
    });
  });
});

describe('login challenges (the authentication certificate)', () => {
  const challenge = async (app = svc.app, body: unknown = {}, headers: Record<string, string> = {}) => {
    const res = await post(app, '/v1/challenges', body, headers);
    expect(res.status).toBe(201);
    return res.body as { challengeId: string; nonce: string; expiresAt: string };
  };

  it('issue, sign the nonce with the auth key, verify once; the replay is refused', async () => {
    const c = await challenge();
    expect(c.challengeId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(c.nonce, 'base64')).toHaveLength(32);
    expect(Date.parse(c.expiresAt) - Date.now()).toBeGreaterThan(250_000);
    const signature = b64(await openssl.dgstSign(auth, Buffer.from(c.nonce, 'base64')));
    const first = await verify({ certificate: auth.certPem, challengeId: c.challengeId, signature });
    expect(first.body).toMatchObject({
      result: 'valid',
      signature: 'valid',
      purpose: 'login',
      requiredKind: 'auth',
      kindFits: true,
      challenge: { challengeId: c.challengeId, status: 'accepted', expiresAt: c.expiresAt },
      validation: { result: 'valid', certificate: { kind: 'auth' } },
    });
    const replay = await verify({ certificate: auth.certPem, challengeId: c.challengeId, signature });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({
      result: 'invalid',
      signature: 'not_checked',
      items: [{ signature: 'not_checked', algorithm: 'rsa-pkcs1-sha256' }],
      challenge: { status: 'unknown_or_used', expiresAt: null },
      errors: [{ code: 'challenge_unknown_or_used' }],
    });
  });

  it('a wrong signature consumes the challenge too; a signature certificate cannot log in', async () => {
    const c = await challenge();
    const wrong = b64(await openssl.dgstSign(auth, randomBytes(32)));
    expect((await verify({ certificate: auth.certPem, challengeId: c.challengeId, signature: wrong })).body).toMatchObject({
      result: 'invalid',
      signature: 'invalid',
      challenge: { status: 'accepted' },
    });
    const right = b64(await openssl.dgstSign(auth, Buffer.from(c.nonce, 'base64')));
    expect((await verify({ certificate: auth.certPem, challengeId: c.challengeId, signature: right })).body).toMatchObject({
      challenge: { status: 'unknown_or_used' },
    });
    const c2 = await challenge();
    const bySign = b64(await openssl.dgstSign(sign, Buffer.from(c2.nonce, 'base64')));
    expect((await verify({ certificate: sign.certPem, challengeId: c2.challengeId, signature: bySign })).body).toMatchObject({
      result: 'invalid',
      signature: 'valid',
      kindFits: false,
      errors: [{ code: 'kind_mismatch' }],
    });
  });

  it('an expired challenge is refused as expired', async () => {
    const c = await challenge(svc.app, { ttlSeconds: 1 });
    const signature = b64(await openssl.dgstSign(auth, Buffer.from(c.nonce, 'base64')));
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(c.expiresAt) - Date.now()) + 1_100));
    expect((await verify({ certificate: auth.certPem, challengeId: c.challengeId, signature })).body).toMatchObject({
      result: 'invalid',
      signature: 'valid',
      challenge: { status: 'expired' },
      errors: [{ code: 'challenge_expired' }],
    });
  });

  it('a challenge is answered only to the API key that asked for it; bad ids and ttls are 400s', async () => {
    const keyed = await buildService(configFile, store, store.kv, { env: { API_KEYS: 'bank-a-key-1,bank-b-key-2' } });
    const c = await challenge(keyed.app, {}, { 'x-api-key': 'bank-a-key-1' });
    const signature = b64(await openssl.dgstSign(auth, Buffer.from(c.nonce, 'base64')));
    const other = await post(
      keyed.app,
      '/v1/verify',
      { certificate: auth.certPem, challengeId: c.challengeId, signature },
      { 'x-api-key': 'bank-b-key-2' },
    );
    expect(other.body).toMatchObject({ challenge: { status: 'unknown_or_used' } });
    expect((await post(svc.app, '/v1/challenges', { ttlSeconds: 0 })).status).toBe(400);
    const badId = await verify({ certificate: auth.certPem, challengeId: 'nope', signature });
    expect(badId.status).toBe(400);
    expect(badId.body.detail).toMatch(/^challengeId: /);
    const noBody = await svc.app.request('/v1/challenges', { method: 'POST' });
    expect(noBody.status).toBe(201);
  });
});

describe('the 4 basic details', () => {
  it('only for a key with the personal scope that asks; the audit hook hears shown yes/no and never the details', async () => {
    const events: PersonalDetailsEvent[] = [];
    const keyed = await buildService(configFile, store, store.kv, {
      env: { API_KEYS: 'plain-key-1,bank-key-2:personal' },
      app: { personalAudit: { record: (e) => void events.push(e) } },
    });
    const signature = b64(await openssl.dgstSign(sign, doc));
    const request = { certificate: sign.certPem, data: b64(doc), signature, includePersonal: true };
    const shown = await post(keyed.app, '/v1/verify', request, { 'x-api-key': 'bank-key-2' });
    expect(shown.body).toMatchObject({
      result: 'valid',
      personal: { requested: true, included: true },
      basicDetails: {
        name: signIssued.details?.name,
        address: signIssued.details?.address,
        birthDate: signIssued.details?.birthDate,
        birthDatePrecision: 'day',
        gender: signIssued.details?.gender,
      },
    });
    const refused = await post(keyed.app, '/v1/verify', request, { 'x-api-key': 'plain-key-1' });
    expect(refused.body).toMatchObject({ result: 'valid', personal: { requested: true, included: false, reason: 'scope_missing' } });
    expect(refused.body).not.toHaveProperty('basicDetails');
    const notAsked = await post(keyed.app, '/v1/verify', { ...request, includePersonal: false }, { 'x-api-key': 'bank-key-2' });
    expect(notAsked.body).not.toHaveProperty('basicDetails');
    const authDetails = await post(
      keyed.app,
      '/v1/verify',
      {
        certificate: auth.certPem,
        data: b64(doc),
        signature: b64(await openssl.dgstSign(auth, doc)),
        includePersonal: true,
        purpose: 'login',
      },
      { 'x-api-key': 'bank-key-2' },
    );
    expect(authDetails.body).toMatchObject({ personal: { included: false, reason: 'no_basic_details' } });
    // without API keys nobody has the scope
    expect((await verify(request)).body).toMatchObject({ personal: { included: false, reason: 'scope_missing' } });

    expect(events.map((e) => [e.shown, e.reason, e.requested])).toEqual([
      [true, null, true],
      [false, 'scope_missing', true],
      [false, 'not_requested', false],
      [false, 'no_basic_details', true],
    ]);
    expect(events[0]).toMatchObject({
      route: '/v1/verify',
      caId: 'jpki-sign-2023',
      serial: signIssued.serial,
      apiKeyId: expect.any(String),
    });
    expect(JSON.stringify(events)).not.toContain(signIssued.details?.name ?? '???');
  });
});

describe('errors name the field', () => {
  it.each([
    [{ data: 'AAAA', signature: 'AAAA' }, /^certificate: required/],
    [{ certificate: 'not a certificate', data: 'AAAA', signature: 'AAAA' }, /^certificate: /],
    [{ certificate: 'PEM', data: 'AAAA' }, /^signature: required/],
    [{ certificate: 'PEM', signature: 'AAAA' }, /^data: required/],
    [{ certificate: 'PEM', data: 'AAAA', signature: 'not*base64' }, /^signature: not base64/],
    [
      {
        certificate: 'PEM',
        items: [
          { data: 'AAAA', signature: 'AAAA' },
          { data: 'AAAA', signature: '%%' },
        ],
      },
      /^items\.1\.signature: not base64/,
    ],
    [{ certificate: 'PEM', digest: 'AAAA', signature: 'AAAA' }, /^digest: 3 bytes; a sha256 digest is 32 bytes/],
    [{ certificate: 'PEM', items: [{ digest: 'AAAA', signature: 'AAAA' }] }, /^items\.0\.digest: 3 bytes/],
    [{ certificate: 'PEM', data: 'AAAA', signature: 'AAAA', algorithm: 'ecdsa-sha256' }, /^algorithm: ecdsa-sha256 does not fit/],
    [{ certificate: 'PEM', data: 'AAAA', signature: 'AAAA', colour: 'red' }, /colour/],
    [{ certificate: 'PEM', data: 'AAAA', digest: 'AAAA', signature: 'AAAA' }, /^digest: give data or digest/],
    [{ cms: 'AAAA', data: 'AAAA' }, /^cms: /],
    [{ certificate: 'PEM', data: 'AAAA', signature: 'AAAA', at: 'yesterday' }, /^at: /],
  ])('%j → 400 %s', async (request, detail) => {
    const body = JSON.parse(JSON.stringify(request).replace('"PEM"', JSON.stringify(sign.certPem))) as Body;
    const res = await verify(body);
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toMatch(detail);
  });

  it('the OpenAPI document has both operations and their schemas', async () => {
    const doc = (await (await svc.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.paths['/v1/verify']?.post?.operationId).toBe('verifySignature');
    expect(doc.paths['/v1/challenges']?.post?.operationId).toBe('createChallenge');
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['VerifyRequest', 'VerifyResponse', 'VerifyItem', 'ChallengeRequest', 'ChallengeResponse']),
    );
  });
});
