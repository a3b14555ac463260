/**
 * The audit history through the running service (startValidator: config, listen, real HTTP), on the embedded SQLite and on the
 * machine's PostgreSQL (a schema of its own): every kind of answer recorded with its request id, key id, purpose, method, CRL
 * number and data age — the fast status path, the routed one, JSON batches (scanned and parsed), NDJSON, /v1/validate, /v1/verify
 * with the basic details shown — purposes checked against the configured list, the query paged and filtered, the `audit` scope
 * enforced, and one customer's records erased with an entry of its own.
 */
import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@jpki-validator/config';
import type { IssuedCertificate } from '@jpki-validator/sim';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { type PrivatePostgres, startPrivatePostgres } from '@jpki-validator/audit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startValidator, type RunningValidator } from '../src/server.js';
import { linkEmbedded } from '../src/store-link.js';
import { loadCrlFile, silentLogger, simWorld, tempDir, writeConfig, writePartitionCrls, type SimWorld } from './helpers.js';
import { b64, OpensslSigner, type Signer } from './verify-fixture.js';

const CA = 'jpki-sign-2023';
const READER_KEY = 'audit-reader-key';
const CALLER_KEY = 'caller-key';
const PERSONAL_KEY = 'personal-key';
const keyId = (key: string): string => createHash('sha256').update(key).digest().subarray(0, 4).toString('hex');

let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let store: EmbeddedRevocationStore;
let good: IssuedCertificate;
let dead: IssuedCertificate;
let viaOcsp: IssuedCertificate;
let signer: Signer;
let crls: Awaited<ReturnType<typeof writePartitionCrls>>;
/** AUDIT_TEST_DATABASE_URL, else a private cluster of this file's own (CI needs only PostgreSQL's binaries) */
let POSTGRES_URL = process.env.AUDIT_TEST_DATABASE_URL ?? '';
let cluster: PrivatePostgres | null = null;

beforeAll(async () => {
  tmp = await tempDir('audit');
  world = await simWorld(tmp.path);
  good = await world.sim.issueCertificate({ ca: CA });
  dead = await world.sim.issueCertificate({ ca: CA });
  await world.sim.revoke({ ca: CA, serial: dead.serial, reason: 'affiliationChanged' });
  viaOcsp = await world.sim.issueCertificate({ ca: 'jpki-auth-2023' });
  signer = await new OpensslSigner(tmp.path).fromPem('sign', good.pem, good.privateKeyPem);
  crls = await writePartitionCrls(world, CA);
  store = await openEmbeddedStore();
  for (const p of crls) await loadCrlFile(store, CA, p.name, p.source);
  if (POSTGRES_URL === '') {
    cluster = await startPrivatePostgres();
    POSTGRES_URL = cluster.url;
  }
});

afterAll(async () => {
  await world?.close();
  await store?.close();
  cluster?.destroy();
  await tmp?.remove();
});

describe.each([
  ['embedded SQLite', 'sqlite'],
  ['PostgreSQL', 'postgres'],
] as const)('the audit history on %s, through the API', (_name, kind) => {
  let running: RunningValidator;
  const schema = `audit_api_${randomBytes(4).toString('hex')}`;

  const call = async (path: string, init: RequestInit & { key?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set('x-api-key', init.key ?? CALLER_KEY);
    const res = await fetch(`${running.url}${path}`, { ...init, headers });
    const text = await res.text();
    return {
      status: res.status,
      requestId: res.headers.get('x-request-id'),
      text,
      json: () => JSON.parse(text) as Record<string, unknown>,
    };
  };
  const post = (path: string, body: unknown, key?: string, type = 'application/json') =>
    call(path, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': type },
      ...(key ? { key } : {}),
    });
  const records = async (query: string): Promise<Record<string, unknown>[]> => {
    expect(await running.audit.app.recorder?.log.drain(10_000)).toBe(true);
    const r = await call(`/v1/audit?${query}`, { key: READER_KEY });
    expect(r.status).toBe(200);
    return r.json().records as Record<string, unknown>[];
  };

  beforeAll(async () => {
    const file = await writeConfig(
      tmp.path,
      `audit-${kind}`,
      [
        { id: CA, group: 'jpki-sign', caCert: world.sim.caCertificatePath(CA), crls },
        // no CRL: every answer from the simulator's OCSP responder
        {
          id: 'jpki-auth-2023',
          group: 'jpki-auth',
          caCert: world.sim.caCertificatePath('jpki-auth-2023'),
          ocsp: { url: `${world.server.url}/ocsp` },
          mode: 'ocsp-only',
        },
      ],
      {
        dataDir: `${tmp.path}/data-${kind}`,
        audit: { purposes: ['kyc_onboarding'], schema },
      },
    );
    const env = {
      API_KEYS: `${CALLER_KEY},${READER_KEY}:audit,${PERSONAL_KEY}:personal`,
      ...(kind === 'postgres' ? { AUDIT_DATABASE_URL: POSTGRES_URL } : {}),
    };
    running = await startValidator({
      config: loadConfig({ file, env }),
      logger: silentLogger,
      store: linkEmbedded(store, false),
      port: 0,
      host: '127.0.0.1',
    });
  });

  afterAll(async () => {
    await running?.close();
    if (kind === 'postgres') {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });

  it('is in the OpenAPI document: operations, parameters and the record schema', async () => {
    const doc = (await (await fetch(`${running.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId?: string; parameters?: { name: string }[] }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.paths['/v1/audit']?.get?.operationId).toBe('listAuditRecords');
    expect(doc.paths['/v1/audit/deletions']?.post?.operationId).toBe('deleteAuditRecords');
    expect(doc.paths['/v1/audit/count']?.get?.operationId).toBe('countAuditRecords');
    expect(doc.paths['/v1/audit']?.get?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['serial', 'issuer', 'from', 'to', 'purpose', 'limit', 'cursor', 'order']),
    );
    expect(doc.paths['/v1/status/{issuer}/{serial}']?.get?.parameters?.map((p) => p.name)).toContain('purpose');
    expect(doc.paths['/v1/status/batch']?.post?.parameters?.map((p) => p.name)).toContain('purpose');
    expect(Object.keys(doc.components.schemas.AuditRecord?.properties ?? {})).toEqual(
      expect.arrayContaining([
        'requestId',
        'apiKeyId',
        'purpose',
        'method',
        'crlNumber',
        'ocspProducedAt',
        'dataAgeSeconds',
        'personalShown',
      ]),
    );
    expect(Object.keys(doc.components.schemas.ValidateRequest?.properties ?? {})).toContain('auditPurpose');
  });

  it('records a status GET (fast path and routed) with request id, key id, purpose, method, CRL number and data age', async () => {
    const fast = await call(`/v1/status/${CA}/${dead.serial}?purpose=death_check`);
    expect(fast.status).toBe(200);
    const routed = await call(`/v1/status/jpki-sign/${dead.serial.toLowerCase()}?mode=crl-only&purpose=liveness_check`);
    expect(routed.status).toBe(200);
    const rows = await records(`serial=${dead.serial}&order=asc`);
    expect(rows).toHaveLength(2);
    const answer = fast.json();
    const crl = answer.crl as { number: string; thisUpdate: string };
    const expectedAge = Math.floor((Date.parse(String(answer.checkedAt)) - Date.parse(crl.thisUpdate)) / 1000);
    expect(rows[0]).toMatchObject({
      requestId: fast.requestId,
      apiKeyId: keyId(CALLER_KEY),
      purpose: 'death_check',
      route: 'status',
      issuer: CA,
      caId: CA,
      serial: dead.serial,
      kind: 'sign',
      medium: 'card',
      result: 'revoked',
      reason: 'affiliationChanged',
      meaning: 'death_or_emigration',
      method: 'crl',
      crlNumber: crl.number,
      ocspProducedAt: null,
      signature: null,
      personalShown: null,
    });
    expect(Math.abs((rows[0]?.dataAgeSeconds as number) - expectedAge)).toBeLessThanOrEqual(2);
    expect(rows[1]).toMatchObject({
      requestId: routed.requestId,
      purpose: 'liveness_check',
      issuer: 'jpki-sign',
      caId: CA,
      result: 'revoked',
    });
  });

  it("records an OCSP answer with the response's producedAt and its age, and reports the journal on /metrics", async () => {
    const r = await call(`/v1/status/jpki-auth-2023/${viaOcsp.serial}?purpose=liveness_check`);
    expect(r.json(), r.text).toMatchObject({ status: 'good', source: 'ocsp' });
    const produced = (r.json().ocsp as { producedAt: string }).producedAt;
    const [row] = await records(`serial=${viaOcsp.serial}`);
    expect(row).toMatchObject({
      method: 'ocsp',
      crlNumber: null,
      ocspProducedAt: new Date(produced).toISOString(),
      kind: 'auth',
      result: 'good',
    });
    expect(row?.dataAgeSeconds).toBeGreaterThanOrEqual(0);
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/^jpki_validator_audit_unshipped_bytes \d+$/m);
    expect(metrics).toMatch(/^jpki_validator_audit_shipping_failures 0$/m);
  });

  it('keeps the synchronous fast path for a status GET with a plain purpose (and records it); other queries take the router', async () => {
    const fetchNow = (path: string) =>
      running.app.fetch(
        new Request(`http://localhost${path}`, { headers: { 'x-api-key': CALLER_KEY, 'x-request-id': `fast-${path.length}` } }),
      );
    const fast = fetchNow(`/v1/status/${CA}/${good.serial}?purpose=death_check`);
    expect(fast).toBeInstanceOf(Response);
    expect(fetchNow(`/v1/status/${CA}/${good.serial}`)).toBeInstanceOf(Response);
    for (const path of [
      `/v1/status/${CA}/${good.serial}?purpose=marketing`, // refused: the router's 400 names it
      `/v1/status/${CA}/${good.serial}?purpose=death%5Fcheck`, // encoded: the router decodes it
      `/v1/status/${CA}/${good.serial}?purpose=death_check&mode=crl-only`,
    ])
      expect(fetchNow(path), path).toBeInstanceOf(Promise);
    const rows = await records(`serial=${good.serial}&purpose=death_check&order=asc`);
    expect(rows.map((r) => r.requestId)).toEqual(
      expect.arrayContaining([`fast-${`/v1/status/${CA}/${good.serial}?purpose=death_check`.length}`]),
    );
  });

  it('takes only the configured purposes (a 400 names the field) and records none for a refused request', async () => {
    const bad = await call(`/v1/status/${CA}/${good.serial}?purpose=marketing`);
    expect(bad.status).toBe(400);
    expect(bad.json().detail).toBe(
      'purpose: "marketing" is not one of signature_verification, liveness_check, death_check, kyc_onboarding',
    );
    expect((await post('/v1/status/batch?purpose=marketing', { items: [{ issuer: CA, serial: good.serial }] })).status).toBe(400);
    expect((await post('/v1/validate', { certificate: good.pem, auditPurpose: 'marketing' })).json().detail).toMatch(/^auditPurpose: /);
    expect(await records(`purpose=marketing`)).toHaveLength(0);
    expect((await call(`/v1/status/${CA}/${good.serial}?purpose=kyc_onboarding`)).status).toBe(200);
    expect(await records(`purpose=kyc_onboarding`)).toHaveLength(1);
  });

  it('records every item of a JSON batch (scanned and parsed) and of an NDJSON stream, bad items included', async () => {
    const items = [
      { issuer: CA, serial: good.serial, id: 'a' },
      { issuer: CA, serial: dead.serial, id: 'b' },
      { issuer: 'nobody', serial: '01', id: 'c' },
      { issuer: CA, serial: 'zz-not-hex', id: 'd' },
    ];
    const scanned = await post('/v1/status/batch?purpose=signature_verification', { items });
    expect(scanned.status).toBe(200);
    const parsed = await post('/v1/status/batch?purpose=signature_verification&mode=crl-only', { items });
    expect(parsed.status).toBe(200);
    const ndjson = await post(
      '/v1/status/batch?purpose=signature_verification',
      items.map((i) => JSON.stringify(i)).join('\n'),
      undefined,
      'application/x-ndjson',
    );
    expect(ndjson.status).toBe(200);
    for (const r of [scanned, parsed, ndjson]) {
      const rows = await records(`purpose=signature_verification&order=asc&limit=1000&from=2000-01-01T00:00:00Z`);
      const mine = rows.filter((row) => row.requestId === r.requestId);
      expect(mine.map((row) => [row.route, row.issuer, row.serial, row.result, row.reason])).toEqual([
        ['batch', CA, good.serial, 'good', null],
        ['batch', CA, dead.serial, 'revoked', 'affiliationChanged'],
        ['batch', 'nobody', '1', 'unknown', null],
        ['batch', CA, 'zz-not-hex', 'unknown', null],
      ]);
      expect(mine.map((row) => row.detail)).toEqual([null, null, 'issuer_unknown', 'malformed_serial']);
      expect(mine.every((row) => row.apiKeyId === keyId(CALLER_KEY))).toBe(true);
    }
  });

  it('records /v1/validate and /v1/verify — for verify whether the basic details were shown, never what they were', async () => {
    const validated = await post('/v1/validate', { certificate: good.pem, auditPurpose: 'signature_verification' });
    expect(validated.status).toBe(200);
    const doc = Buffer.from('the contract, signed');
    const signature = b64(await new OpensslSigner(tmp.path).dgstSign(signer, doc));
    const verified = await post(
      '/v1/verify',
      { certificate: good.pem, data: b64(doc), signature, includePersonal: true, auditPurpose: 'kyc_onboarding' },
      PERSONAL_KEY,
    );
    expect(verified.status).toBe(200);
    expect(verified.json().personal).toMatchObject({ included: true });
    const rows = await records(`serial=${good.serial}&order=asc&limit=100`);
    const v = rows.find((row) => row.requestId === validated.requestId);
    expect(v).toMatchObject({
      route: 'validate',
      result: 'valid',
      purpose: 'signature_verification',
      kind: 'sign',
      method: 'crl',
      caId: CA,
    });
    const s = rows.find((row) => row.requestId === verified.requestId);
    expect(s).toMatchObject({
      route: 'verify',
      result: 'valid',
      signature: 'valid',
      personalShown: true,
      apiKeyId: keyId(PERSONAL_KEY),
      purpose: 'kyc_onboarding',
    });
    // nothing personal in the stored record: every value is one of the fields above, none the subject's name or address
    const details = verified.json().basicDetails as Record<string, unknown>;
    const stored = JSON.stringify(s);
    for (const value of [details.name, details.address]) if (typeof value === 'string') expect(stored).not.toContain(value);
  });

  it('pages the history with a stable cursor, needs the audit scope, and answers 400 for a bad cursor or time', async () => {
    for (let i = 0; i < 5; i++) await call(`/v1/status/${CA}/${good.serial}?purpose=liveness_check`);
    const all = await records('limit=1000');
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(`/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { key: READER_KEY });
      const body = page.json();
      seen.push(...(body.records as { id: unknown }[]).map((r) => r.id));
      cursor = body.next as string | null;
    } while (cursor !== null);
    expect(seen).toEqual(all.map((r) => r.id));
    expect((await call('/v1/audit', { key: CALLER_KEY })).status).toBe(403);
    expect((await call('/v1/audit/count', { key: READER_KEY })).json()).toEqual({ count: all.length });
    const revoked = await call(`/v1/audit/count?result=revoked&route=status&apiKeyId=${keyId(CALLER_KEY)}`, { key: READER_KEY });
    expect(revoked.json().count).toBe(all.filter((r) => r.result === 'revoked' && r.route === 'status').length);
    expect((await call('/v1/audit?cursor=bogus', { key: READER_KEY })).status).toBe(400);
    expect((await call('/v1/audit?from=yesterday', { key: READER_KEY })).status).toBe(400);
  });

  it("erases one customer's records by serial, recording the erasure (without the serials) in an entry of its own", async () => {
    const before = await records(`serial=${dead.serial}&limit=1000`);
    expect(before.length).toBeGreaterThan(0);
    expect((await post('/v1/audit/deletions', { serials: [dead.serial] }, CALLER_KEY)).status).toBe(403);
    const erased = await post('/v1/audit/deletions', { serials: [`0x${dead.serial.toLowerCase()}`], reason: 'request #42' }, READER_KEY);
    expect(erased.status).toBe(200);
    expect(erased.json()).toMatchObject({ deleted: before.length, serials: 1, requestId: erased.requestId });
    expect(await records(`serial=${dead.serial}`)).toHaveLength(0);
    const entry = (await records('limit=1'))[0];
    expect(entry).toMatchObject({
      route: 'audit.delete',
      result: 'deleted',
      serial: null,
      apiKeyId: keyId(READER_KEY),
      requestId: erased.requestId,
    });
    expect(entry?.detail).toMatch(new RegExp(`^rows=${before.length} serials=1 sha256=[0-9a-f]{64} reason=request #42$`));
    expect(String(entry?.detail)).not.toContain(dead.serial);
  });
});
