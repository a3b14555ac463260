/**
 * The API over the embedded store, loaded from real simulator CRLs: answers for good, every JPKI reason, hold, groups, `at=`,
 * stale data with and without OCSP (the simulator's responder), batches (JSON and a 100 k-line NDJSON stream over real HTTP),
 * /v1/validate with real certificates, API keys, and the operations endpoints.
 */
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serve, type ServerType } from '@hono/node-server';
import type { IssuedCertificate } from '@jpki-validator/sim';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import type { CrlReason } from '@jpki-validator/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const run = promisify(execFile);
const REASONS: CrlReason[] = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
];
const JPKI_MEANING: Partial<Record<CrlReason, string>> = {
  affiliationChanged: 'death_or_emigration',
  superseded: 'basic_info_changed',
  cessationOfOperation: 'card_lost_or_emigration',
  certificateHold: 'suspended_card_lost',
  keyCompromise: 'key_compromise',
  cACompromise: 'ca_compromise',
  unspecified: 'unspecified',
  privilegeWithdrawn: 'privilege_withdrawn',
  aACompromise: 'aa_compromise',
};

let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let store: EmbeddedRevocationStore;
let svc: TestService;
let good: IssuedCertificate;
let authStaleGood: IssuedCertificate;
let authOcspGood: IssuedCertificate;
let authOcspRevoked: IssuedCertificate;
const revoked = new Map<CrlReason, IssuedCertificate>();
let revokedAtMs = 0;

async function get(path: string): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const res = await svc.app.request(path);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  tmp = await tempDir('api');
  world = await simWorld(tmp.path);
  const { sim } = world;
  revokedAtMs = sim.generationTime().getTime() - 86_400_000;
  good = await sim.issueCertificate({ ca: 'jpki-sign-2023' });
  for (const reason of REASONS) {
    const cert = await sim.issueCertificate({ ca: 'jpki-sign-2023' });
    await sim.revoke({ ca: 'jpki-sign-2023', serial: cert.serial, reason, revokedAt: new Date(revokedAtMs) });
    revoked.set(reason, cert);
  }
  authStaleGood = await sim.issueCertificate({ ca: 'jpki-auth-2023' });
  authOcspGood = await sim.issueCertificate({ ca: 'jpki-auth-2015' });
  authOcspRevoked = await sim.issueCertificate({ ca: 'jpki-auth-2015' });

  store = await openEmbeddedStore();
  const crls = {
    'jpki-sign-2023': await writePartitionCrls(world, 'jpki-sign-2023'),
    'jpki-sign-2015': await writePartitionCrls(world, 'jpki-sign-2015'),
    'jpki-auth-2023': await writePartitionCrls(world, 'jpki-auth-2023', { expired: true }),
    'jpki-auth-2015': await writePartitionCrls(world, 'jpki-auth-2015', { expired: true }),
  };
  for (const [caId, list] of Object.entries(crls)) for (const p of list) await loadCrlFile(store, caId, p.name, p.source);
  // after the CRLs were written: only the OCSP responder knows of this revocation
  await sim.revoke({ ca: 'jpki-auth-2015', serial: authOcspRevoked.serial, reason: 'keyCompromise', revokedAt: new Date(revokedAtMs) });
  const ocsp = { url: `${world.server.url}/ocsp` };
  const config = await writeConfig(tmp.path, 'api', [
    { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: sim.caCertificatePath('jpki-sign-2023'), crls: crls['jpki-sign-2023'], ocsp },
    { id: 'jpki-sign-2015', group: 'jpki-sign', caCert: sim.caCertificatePath('jpki-sign-2015'), crls: crls['jpki-sign-2015'], ocsp },
    { id: 'jpki-auth-2023', group: 'jpki-auth', caCert: sim.caCertificatePath('jpki-auth-2023'), crls: crls['jpki-auth-2023'] },
    { id: 'jpki-auth-2015', group: 'jpki-auth', caCert: sim.caCertificatePath('jpki-auth-2015'), crls: crls['jpki-auth-2015'], ocsp },
  ]);
  svc = await buildService(config, store, store.kv);
});

afterAll(async () => {
  await world?.close();
  await store?.close();
  await tmp?.remove();
});

describe('GET /v1/status', () => {
  it('answers good from a fresh CRL, with the CRL it stands on', async () => {
    const { status, body } = await get(`/v1/status/jpki-sign-2023/${good.serial}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      issuer: 'jpki-sign-2023',
      caId: 'jpki-sign-2023',
      serial: good.serial,
      status: 'good',
      reason: null,
      meaning: null,
      revokedAt: null,
      invalidityDate: null,
      source: 'crl',
    });
    const crl = body.crl as Record<string, unknown>;
    expect(crl.stale).toBe(false);
    expect(crl.number).toMatch(/^\d+$/);
    expect(crl.thisUpdate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.checkedAt).toMatch(/Z$/);
    expect(body).not.toHaveProperty('detail');
  });

  it.each(REASONS)('answers revoked with the raw reason and the jpki meaning: %s', async (reason) => {
    const cert = revoked.get(reason);
    const { body } = await get(`/v1/status/jpki-sign-2023/${cert?.serial}`);
    expect(body).toMatchObject({
      status: 'revoked',
      reason,
      meaning: JPKI_MEANING[reason],
      revokedAt: new Date(revokedAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      source: 'crl',
    });
  });

  it('reads a serial as hex in any case, with 0x and leading zeros, and prints it canonically', async () => {
    const cert = revoked.get('affiliationChanged');
    const { body } = await get(`/v1/status/jpki-sign-2023/0x000${cert?.serial.toLowerCase()}`);
    expect(body).toMatchObject({ serial: cert?.serial, status: 'revoked' });
  });

  it('checks every CA of a group and names the one that lists the serial', async () => {
    const revokedAnswer = (await get(`/v1/status/jpki-sign/${revoked.get('superseded')?.serial}`)).body;
    expect(revokedAnswer).toMatchObject({ issuer: 'jpki-sign', caId: 'jpki-sign-2023', status: 'revoked', meaning: 'basic_info_changed' });
    const goodAnswer = (await get(`/v1/status/jpki-sign/${good.serial}`)).body;
    expect(goodAnswer).toMatchObject({ issuer: 'jpki-sign', caId: null, status: 'good' });
  });

  it('answers as of `at`: before the revocation good, after it revoked', async () => {
    const serial = revoked.get('cessationOfOperation')?.serial;
    const before = new Date(revokedAtMs - 60_000).toISOString();
    const after = new Date(revokedAtMs + 60_000).toISOString();
    expect((await get(`/v1/status/jpki-sign-2023/${serial}?at=${before}`)).body.status).toBe('good');
    expect((await get(`/v1/status/jpki-sign-2023/${serial}?at=${after}`)).body.status).toBe('revoked');
    const bad = await get(`/v1/status/jpki-sign-2023/${serial}?at=yesterday`);
    expect(bad.status).toBe(400);
  });

  it('404s an unknown issuer and 400s a malformed serial, as problem+json', async () => {
    const unknown = await get(`/v1/status/no-such-ca/${good.serial}`);
    expect(unknown.status).toBe(404);
    expect(unknown.type).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({ status: 404, title: 'Unknown issuer' });
    for (const bad of ['XYZ', '-5', 'ab'.repeat(21)]) {
      const r = await get(`/v1/status/jpki-sign-2023/${bad}`);
      expect(r.status).toBe(400);
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(r.body.detail).toMatch(/malformed serial/);
    }
  });

  it('fails closed on a stale CRL without OCSP: unknown / crl_stale, never good', async () => {
    const { status, body } = await get(`/v1/status/jpki-auth-2023/${authStaleGood.serial}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'unknown', detail: 'crl_stale', source: 'crl', reason: null });
    expect((body.crl as Record<string, unknown>).stale).toBe(true);
  });

  it('falls back to the OCSP responder on a stale CRL (crl-first), and mode=crl-only refuses to', async () => {
    const okAnswer = (await get(`/v1/status/jpki-auth-2015/${authOcspGood.serial}`)).body;
    expect(okAnswer).toMatchObject({ status: 'good', source: 'ocsp', crl: null, caId: 'jpki-auth-2015' });
    expect(okAnswer.ocsp).toMatchObject({ producedAt: expect.stringMatching(/Z$/), nextUpdate: expect.stringMatching(/Z$/) });
    const revokedAnswer = (await get(`/v1/status/jpki-auth-2015/${authOcspRevoked.serial}`)).body;
    expect(revokedAnswer).toMatchObject({ status: 'revoked', reason: 'keyCompromise', source: 'ocsp', meaning: 'key_compromise' });
    const crlOnly = (await get(`/v1/status/jpki-auth-2015/${authOcspGood.serial}?mode=crl-only`)).body;
    expect(crlOnly).toMatchObject({ status: 'unknown', detail: 'crl_stale' });
  });

  it('asks OCSP first under mode=ocsp-first even when the CRL is fresh', async () => {
    const { body } = await get(`/v1/status/jpki-sign-2023/${revoked.get('affiliationChanged')?.serial}?mode=ocsp-first`);
    expect(body).toMatchObject({ status: 'revoked', reason: 'affiliationChanged', source: 'ocsp' });
  });
});

describe('POST /v1/status/batch', () => {
  it('answers a JSON batch in order, echoing ids, with bad items answered unknown in place', async () => {
    const items = [
      { issuer: 'jpki-sign-2023', serial: good.serial, id: 'a' },
      { issuer: 'jpki-sign', serial: revoked.get('certificateHold')?.serial ?? '', id: 2 },
      { issuer: 'jpki-sign-2023', serial: 'not-hex', id: 'c' },
      { issuer: 'nowhere', serial: '1' },
      { issuer: 'jpki-auth-2023', serial: authStaleGood.serial },
      { issuer: 'jpki-auth-2015', serial: authOcspRevoked.serial },
    ];
    const res = await svc.app.request('/v1/status/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Record<string, unknown>[] };
    expect(results.map((r) => [r.status, r.detail ?? null, r.id ?? null])).toEqual([
      ['good', null, 'a'],
      ['revoked', null, 2],
      ['unknown', 'malformed_serial', 'c'],
      ['unknown', 'issuer_unknown', null],
      ['unknown', 'crl_stale', null],
      ['revoked', null, null],
    ]);
    expect(results[1]).toMatchObject({ reason: 'certificateHold', meaning: 'suspended_card_lost', caId: 'jpki-sign-2023' });
    expect(results[5]).toMatchObject({ source: 'ocsp' });
  });

  it('refuses more than 10 000 JSON items with 413 and malformed JSON with 400', async () => {
    const items = Array.from({ length: 10_001 }, () => ({ issuer: 'jpki-sign-2023', serial: '1' }));
    const big = await svc.app.request('/v1/status/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/problem\+json/);
    const broken = await svc.app.request('/v1/status/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"items": [',
    });
    expect(broken.status).toBe(400);
    expect(broken.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('answers JSON batches over real HTTP alike: a plain body read straight from Node, one left to JSON.parse, one sent chunked', async () => {
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: svc.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const port = (server.address() as AddressInfo).port;
      const caBase = Number.parseInt(good.serial, 16) - 2_000;
      const items = Array.from({ length: 10_000 }, (_, i) => ({
        issuer: 'jpki-sign-2023',
        serial: (caBase + (i % 2_000)).toString(16),
        id: i,
      }));
      const plain = JSON.stringify({ items });
      const post = (body: string | ReadableStream<Uint8Array>, size?: number): Promise<{ status: number; text: string }> =>
        new Promise((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              path: '/v1/status/batch',
              method: 'POST',
              headers: { 'content-type': 'application/json', ...(size === undefined ? {} : { 'content-length': String(size) }) },
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
            },
          );
          req.on('error', reject);
          if (typeof body === 'string') req.end(body);
          else {
            // chunked (no Content-Length): written in small pieces
            const bytes = Buffer.from(plain);
            for (let at = 0; at < bytes.length; at += 7_000) req.write(bytes.subarray(at, at + 7_000));
            req.end();
          }
        });
      // this service's clock runs: answers a second apart differ in checkedAt only
      const sameAnswers = (r: { status: number; text: string }) => ({
        status: r.status,
        text: r.text.replace(/"checkedAt":"[^"]*"/g, '"checkedAt":"…"'),
      });
      const direct = await post(plain, Buffer.byteLength(plain));
      expect(direct.status).toBe(200);
      const results = (JSON.parse(direct.text) as { results: { id: number; serial: string; status: string }[] }).results;
      expect(results.map((r) => r.id)).toEqual(items.map((i) => i.id));
      expect(results.filter((r) => r.status === 'revoked').length).toBeGreaterThan(1_000);
      const inProcess = await svc.app.request('/v1/status/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: plain,
      });
      expect(sameAnswers(direct)).toEqual(sameAnswers({ status: inProcess.status, text: await inProcess.text() }));
      // the same questions with an escape in every serial: not the scanner's form, answered through JSON.parse, the same text
      const escaped = plain.replace(/"serial":"(\w)/g, (_, c: string) => `"serial":"\\u00${c.charCodeAt(0).toString(16)}`);
      expect(sameAnswers(await post(escaped, Buffer.byteLength(escaped)))).toEqual(sameAnswers(direct));
      expect(sameAnswers(await post(new ReadableStream()))).toEqual(sameAnswers(direct));
      // many in flight at once: pooled buffers never mix two requests' bytes
      const many = await Promise.all(
        Array.from({ length: 12 }, (_, k) => {
          const some = JSON.stringify({ items: items.slice(k * 100, k * 100 + 2_000) });
          return post(some, Buffer.byteLength(some)).then((r) => ({ k, r }));
        }),
      );
      for (const { k, r } of many)
        expect((JSON.parse(r.text) as { results: { id: number }[] }).results.map((x) => x.id)).toEqual(
          items.slice(k * 100, k * 100 + 2_000).map((i) => i.id),
        );
      const broken = await post('{"items": [', 11);
      expect(broken.status).toBe(400);
      // a declared length over the limit is refused before the body is read
      const huge = JSON.stringify({ items: [], pad: 'x'.repeat(4 * 2 ** 20) });
      const tooBig = await post(huge, Buffer.byteLength(huge));
      expect(tooBig.status).toBe(413);
      expect((JSON.parse(tooBig.text) as { detail: string }).detail).toBe(`request body over ${4 * 2 ** 20} bytes`);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('streams a 100 000-line NDJSON batch over real HTTP, line for line', async () => {
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: svc.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const caBase = Number.parseInt(good.serial, 16) - 2_000;
      const lines: string[] = [];
      for (let i = 0; i < 100_000; i++)
        lines.push(JSON.stringify({ issuer: 'jpki-sign-2023', serial: (caBase + (i % 2_000)).toString(16), id: i }));
      lines.splice(500, 0, '{not json', '');
      const port = (server.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/v1/status/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: `${lines.join('\n')}\n`,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
      const out = (await res.text())
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(out).toHaveLength(100_001);
      expect(out[500]).toEqual({ line: 501, error: expect.stringMatching(/line 501: not JSON/) });
      const answers = out.filter((o) => 'status' in o);
      expect(answers.map((a) => a.id)).toEqual(Array.from({ length: 100_000 }, (_, i) => i));
      const counts = { good: 0, revoked: 0, unknown: 0 };
      for (const a of answers) counts[a.status as keyof typeof counts]++;
      expect(counts.unknown).toBe(0);
      expect(counts.revoked).toBeGreaterThan(10_000); // revokedRate 0.2 over the seeded population
      const sample = answers[1_234] as Record<string, unknown>;
      const single = (await get(`/v1/status/jpki-sign-2023/${sample.serial as string}`)).body;
      expect(sample.status).toBe(single.status);
      expect(sample.reason).toBe(single.reason);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('POST /v1/validate', () => {
  const validate = async (certificate: string, extra: Record<string, unknown> = {}) => {
    const res = await svc.app.request('/v1/validate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ certificate, ...extra }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('valid for a good certificate (PEM or base64 DER), revoked for a revoked one', async () => {
    const pem = await validate(good.pem);
    expect(pem.status).toBe(200);
    expect(pem.body).toMatchObject({
      result: 'valid',
      errors: [],
      certificate: { serial: good.serial, caId: 'jpki-sign-2023', kind: 'sign' },
    });
    const der = await validate(Buffer.from(good.der).toString('base64'));
    expect(der.body.result).toBe('valid');
    const rev = await validate(revoked.get('affiliationChanged')?.pem ?? '');
    expect(rev.body).toMatchObject({ result: 'revoked', status: { status: 'revoked', reason: 'affiliationChanged' } });
    expect(JSON.stringify(rev.body)).not.toContain('BEGIN CERTIFICATE');
  });

  it('expired and not yet valid certificates', async () => {
    const day = 86_400_000;
    const expired = await world.sim.issueCertificate({
      ca: 'jpki-sign-2023',
      notBefore: new Date(Date.now() - 10 * day),
      notAfter: new Date(Date.now() - day),
    });
    expect((await validate(expired.pem)).body).toMatchObject({ result: 'expired', errors: [{ code: 'expired' }] });
    const future = await world.sim.issueCertificate({
      ca: 'jpki-sign-2023',
      notBefore: new Date(Date.now() + day),
      notAfter: new Date(Date.now() + 10 * day),
    });
    expect((await validate(future.pem)).body).toMatchObject({ result: 'not_yet_valid', errors: [{ code: 'not_yet_valid' }] });
  });

  it('invalid for a certificate of a foreign CA and for a tampered one; 400 for text that is no certificate', async () => {
    const dir = join(tmp.path, 'foreign');
    await run('mkdir', ['-p', dir]);
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      join(dir, 'ca.pem'),
      '-subj',
      '/C=JP/O=Foreign CA',
      '-days',
      '30',
    ]);
    await run('openssl', [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'leaf.key'),
      '-out',
      join(dir, 'leaf.csr'),
      '-subj',
      '/CN=leaf',
    ]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      join(dir, 'leaf.csr'),
      '-CA',
      join(dir, 'ca.pem'),
      '-CAkey',
      join(dir, 'ca.key'),
      '-CAcreateserial',
      '-out',
      join(dir, 'leaf.pem'),
      '-days',
      '10',
    ]);
    const { stdout } = await run('cat', [join(dir, 'leaf.pem')]);
    expect((await validate(stdout)).body).toMatchObject({
      result: 'invalid',
      errors: [{ code: 'issuer_unknown' }],
      certificate: { caId: null },
    });

    const tampered = Uint8Array.from(good.der);
    tampered[tampered.length - 10] = (tampered[tampered.length - 10] as number) ^ 0xff; // inside the signature value
    expect((await validate(Buffer.from(tampered).toString('base64'))).body).toMatchObject({
      result: 'invalid',
      errors: [{ code: 'signature_invalid' }],
    });

    const garbage = await validate('not a certificate at all');
    expect(garbage.status).toBe(400);
    expect(garbage.body.detail).not.toContain('not a certificate at all');
  });
});

describe('operations', () => {
  it('lists issuers with partitions and OCSP circuits', async () => {
    const { body } = await get('/v1/issuers');
    const issuers = body.issuers as Record<string, unknown>[];
    expect(issuers.map((i) => i.id)).toEqual(['jpki-sign-2023', 'jpki-sign-2015', 'jpki-auth-2023', 'jpki-auth-2015']);
    expect(issuers[0]).toMatchObject({ group: 'jpki-sign', kind: 'sign', ocsp: { circuit: 'closed' } });
    expect((issuers[0]?.partitions as Record<string, unknown>[] | undefined)?.[0]).toMatchObject({
      name: 'p0000',
      stale: false,
      crlNumber: expect.stringMatching(/^\d+$/),
    });
    expect((issuers[2]?.partitions as Record<string, unknown>[] | undefined)?.[0]).toMatchObject({ stale: true });
  });

  it('/readyz is 503 naming the issuer with a stale CRL and no OCSP; /healthz 200', async () => {
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.reasons).toEqual(['issuer jpki-auth-2023: CRL stale (2 of 2 partitions: p0000, p0001), no OCSP responder']);
    expect((await svc.app.request('/healthz')).status).toBe(200);
  });

  it('/readyz is 503 when no issuer is configured: a service that can only answer issuer_unknown is not ready', async () => {
    const empty = await buildService(await writeConfig(tmp.path, 'no-issuers', []), store, null);
    const ready = await empty.app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons).toEqual([expect.stringMatching(/^no issuers configured/)]);
  });

  it('/metrics counts answers and OCSP queries with an estimated cost; /openapi.json and /docs', async () => {
    const text = await (await svc.app.request('/metrics')).text();
    expect(text).toMatch(/jpki_validator_ocsp_queries_total\{ca="jpki-auth-2015",kind="auth"\} [1-9]/);
    expect(text).toMatch(/jpki_validator_ocsp_estimated_cost_yen_total\{ca="jpki-auth-2015",kind="auth"\} [1-9]/);
    expect(text).toMatch(/jpki_validator_status_answers_total\{status="revoked"/);
    const doc = (await get('/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths as object)).toEqual(
      expect.arrayContaining(['/v1/status/{issuer}/{serial}', '/v1/status/batch', '/v1/validate', '/v1/issuers', '/readyz']),
    );
    const docs = await svc.app.request('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    expect(await docs.text()).toContain('docs/assets/init.js');
  });

  it('requires an API key when keys are configured: 401 without or with a wrong one', async () => {
    const file = await writeConfig(tmp.path, 'keys', [
      {
        id: 'jpki-sign-2023',
        group: 'jpki-sign',
        caCert: world.sim.caCertificatePath('jpki-sign-2023'),
        crls: [],
        ocsp: { url: 'http://127.0.0.1:9/ocsp' },
      },
    ]);
    const keyed = await buildService(file, store, null, { env: { API_KEYS: 'alpha-key-123,beta-key-456' } });
    const path = `/v1/status/jpki-sign-2023/${good.serial}?mode=crl-only`;
    const missing = await keyed.app.request(path);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toMatch(/problem\+json/);
    expect(missing.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await keyed.app.request(path, { headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
    expect((await keyed.app.request(path, { headers: { 'x-api-key': 'beta-key-456' } })).status).toBe(200);
    expect((await keyed.app.request(path, { headers: { authorization: 'Bearer alpha-key-123' } })).status).toBe(200);
    expect((await keyed.app.request('/healthz')).status).toBe(200);
  });
});
