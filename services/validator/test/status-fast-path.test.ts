/**
 * The status GET's synchronous fast path (src/status-fast-path.ts) against the routed path it stands in front of: which requests
 * it takes (app.fetch hands back a Response, not a Promise), that its answers, problems, headers, metrics and log lines are the
 * routed path's, API keys and rate limits included, and over real HTTP with @hono/node-server.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { loadConfig } from '@jpki-validator/config';
import type { IssuedCertificate } from '@jpki-validator/sim';
import { createCaRegistry, OcspChecker, StatusResolver } from '@jpki-validator/status';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import type { MiddlewareHandler } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ValidatorApp } from '../src/app.js';
import { loadCrlFile, simWorld, tempDir, writeConfig, writePartitionCrls, type SimWorld } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FIXED_NOW = Date.UTC(2026, 0, 1);

let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let store: EmbeddedRevocationStore;
let configFile: string;
let good: IssuedCertificate;
let revoked: IssuedCertificate;
let staleGood: IssuedCertificate;

interface Built extends ValidatorApp {
  lines: Record<string, unknown>[];
}

/** the app as server.ts builds it, logging at debug into `lines` */
async function build(
  env: NodeJS.ProcessEnv = {},
  rateLimit?: { requestsPerSecond: number; burst: number },
  middleware: MiddlewareHandler[] = [],
): Promise<Built> {
  const config = loadConfig({ file: configFile, env });
  const registry = await createCaRegistry(config.issuers);
  const ocsp = new OcspChecker({ kv: store.kv, timeoutMs: 1_500, retries: 0 });
  const resolver = new StatusResolver({ registry, snapshots: store, ocsp, meaning: config.profile.meaning });
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const built = createApp({
    resolver,
    ocsp,
    probeStore: async () => true,
    logger,
    apiKeys: config.apiKeys,
    ...(rateLimit ? { rateLimit } : {}),
    middleware,
    now: () => FIXED_NOW,
  });
  return { ...built, lines };
}

/** app.fetch's result as it comes: a Response when the fast path answered, a Promise when the router did */
function fetchNow(app: Built['app'], path: string, headers: Record<string, string> = {}): Response | Promise<Response> {
  return app.fetch(new Request(`http://localhost${path}`, { headers }));
}

async function settle(result: Response | Promise<Response>): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await result;
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const withoutClock = (body: Record<string, unknown>): Record<string, unknown> => ({ ...body, checkedAt: '(clock)' });

beforeAll(async () => {
  tmp = await tempDir('fast');
  world = await simWorld(tmp.path);
  const { sim } = world;
  good = await sim.issueCertificate({ ca: 'jpki-sign-2023' });
  revoked = await sim.issueCertificate({ ca: 'jpki-sign-2023' });
  await sim.revoke({
    ca: 'jpki-sign-2023',
    serial: revoked.serial,
    reason: 'affiliationChanged',
    revokedAt: new Date(sim.generationTime().getTime() - 86_400_000),
  });
  staleGood = await sim.issueCertificate({ ca: 'jpki-auth-2015' });
  store = await openEmbeddedStore();
  const signCrls = await writePartitionCrls(world, 'jpki-sign-2023');
  const staleCrls = await writePartitionCrls(world, 'jpki-auth-2015', { expired: true });
  for (const p of signCrls) await loadCrlFile(store, 'jpki-sign-2023', p.name, p.source);
  for (const p of staleCrls) await loadCrlFile(store, 'jpki-auth-2015', p.name, p.source);
  configFile = await writeConfig(tmp.path, 'fast', [
    {
      id: 'jpki-sign-2023',
      group: 'jpki-sign',
      caCert: sim.caCertificatePath('jpki-sign-2023'),
      crls: signCrls,
      ocsp: { url: `${world.server.url}/ocsp` },
    },
    // a stale CRL and no responder: the CRL alone answers (unknown / crl_stale) on the fast path
    { id: 'jpki-auth-2015', group: 'jpki-auth', caCert: sim.caCertificatePath('jpki-auth-2015'), crls: staleCrls },
  ]);
});

afterAll(async () => {
  await world?.close();
  await store?.close();
  await tmp?.remove();
});

describe('the status fast path', () => {
  it('steps aside when a middleware it does not repeat runs for the status GET, so that middleware applies', async () => {
    const path = `/v1/status/jpki-sign-2023/${good.serial}`;
    const auth = { authorization: 'Bearer k1' };
    const securityHeaders: MiddlewareHandler = async function securityHeaders(c, next) {
      await next();
      c.header('x-frame-options', 'DENY');
    };
    const plain = await build({ API_KEYS: 'k1' });
    expect(fetchNow(plain.app, path, auth)).toBeInstanceOf(Response);
    const { app, lines } = await build({ API_KEYS: 'k1' }, undefined, [securityHeaders]);
    const routed = fetchNow(app, path, auth);
    expect(routed).toBeInstanceOf(Promise);
    const answer = await settle(routed);
    expect([answer.status, answer.headers.get('x-frame-options'), answer.body.status]).toEqual([200, 'DENY', 'good']);
    const refused = await settle(fetchNow(app, path));
    expect([refused.status, refused.headers.get('x-frame-options')]).toEqual([401, 'DENY']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, middleware: ['securityHeaders'] }));
  });

  it('counts only middleware that would run: one for other paths, or registered after the route, leaves it on', async () => {
    const path = `/v1/status/jpki-sign-2023/${good.serial}`;
    const { app } = await build();
    app.use('/v1/issuers', async (c, next) => {
      await next();
      c.header('x-elsewhere', '1');
    });
    // after the route's handler: Hono does not run it for the status GET either
    app.use('*', async (c, next) => {
      await next();
      c.header('x-too-late', '1');
    });
    const fast = fetchNow(app, path);
    expect(fast).toBeInstanceOf(Response);
    const routed = await settle(fetchNow(app, `${path}?mode=crl-first`));
    expect([routed.status, routed.headers.get('x-too-late')]).toEqual([200, null]);
  });

  it("answers without a query synchronously, with the routed path's answer, and leaves queries, bad serials and unknown issuers to the router", async () => {
    const { app } = await build();
    for (const path of [
      `/v1/status/jpki-sign-2023/${good.serial}`,
      `/v1/status/jpki-sign/${revoked.serial}`,
      `/v1/status/jpki-auth-2015/${staleGood.serial}`,
    ]) {
      const fast = fetchNow(app, path);
      expect(fast).toBeInstanceOf(Response);
      // the issuers' own policy (crl-first) asked for explicitly: the routed handler
      const routed = fetchNow(app, `${path}?mode=crl-first`);
      expect(routed).toBeInstanceOf(Promise);
      const [a, b] = [await settle(fast), await settle(routed)];
      expect(a.status).toBe(200);
      expect(a.headers.get('content-type')).toBe(b.headers.get('content-type'));
      expect(a.headers.get('x-request-id')).toMatch(UUID);
      expect(withoutClock(a.body)).toEqual(withoutClock(b.body));
    }
    expect((await settle(fetchNow(app, `/v1/status/jpki-sign/${revoked.serial}`))).body).toMatchObject({
      status: 'revoked',
      reason: 'affiliationChanged',
      caId: 'jpki-sign-2023',
    });
    expect((await settle(fetchNow(app, `/v1/status/jpki-auth-2015/${staleGood.serial}`))).body).toMatchObject({
      status: 'unknown',
      detail: 'crl_stale',
    });

    const routedOnly: [string, number][] = [
      ['/v1/status/jpki-sign-2023/not-hex', 400],
      ['/v1/status/nowhere/01', 404],
      [`/v1/status/jpki-sign-2023/${good.serial}/`, 404],
      [`/v1/status/jpki%2Dsign-2023/${good.serial}`, 200],
    ];
    for (const [path, status] of routedOnly) {
      const result = fetchNow(app, path);
      expect(result, path).toBeInstanceOf(Promise);
      const res = await result;
      expect(res.status, path).toBe(status);
      expect(res.headers.get('x-request-id'), path).toMatch(UUID);
    }
  });

  it('leaves an answer that needs OCSP to the router: a stale CRL under crl-first with a responder', async () => {
    const staleWithOcsp = await writeConfig(tmp.path, 'stale-ocsp', [
      {
        id: 'jpki-auth-2015',
        group: 'jpki-auth',
        caCert: world.sim.caCertificatePath('jpki-auth-2015'),
        crls: [],
        ocsp: { url: `${world.server.url}/ocsp` },
      },
    ]);
    const config = loadConfig({ file: staleWithOcsp, env: {} });
    const resolver = new StatusResolver({
      registry: await createCaRegistry(config.issuers),
      snapshots: store,
      ocsp: new OcspChecker({ kv: null, timeoutMs: 1_500, retries: 0 }),
      meaning: config.profile.meaning,
    });
    expect(resolver.checkNow('jpki-auth-2015', BigInt(`0x${staleGood.serial}`))).toBeNull();
    expect(await resolver.check('jpki-auth-2015', staleGood.serial)).toMatchObject({ status: 'good', source: 'ocsp' });
  });

  it('checks API keys and the rate limit as the middleware does: 401 and 429 problems with the request id', async () => {
    const { app } = await build({ API_KEYS: 'alpha-key-123' }, { requestsPerSecond: 1, burst: 2 });
    const path = `/v1/status/jpki-sign-2023/${good.serial}`;
    const missing = fetchNow(app, path, { 'x-request-id': 'caller-1' });
    expect(missing).toBeInstanceOf(Response);
    const m = await settle(missing);
    expect(m.status).toBe(401);
    expect(m.headers.get('content-type')).toMatch(/problem\+json/);
    expect(m.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(m.headers.get('x-request-id')).toBe('caller-1');
    expect(m.body).toMatchObject({
      status: 401,
      detail: 'an API key is required: X-API-Key header or Authorization: Bearer',
      instance: 'urn:jpki-validator:request:caller-1',
    });
    const routedMissing = await settle(fetchNow(app, `${path}?mode=crl-first`, { 'x-request-id': 'caller-1' }));
    expect(routedMissing.body).toEqual(m.body);
    expect((await settle(fetchNow(app, path, { 'x-api-key': 'wrong' }))).body).toMatchObject({
      status: 401,
      detail: 'the API key is not valid',
    });

    // the clock stands still: a burst of 2, then 429
    expect((await settle(fetchNow(app, path, { 'x-api-key': 'alpha-key-123' }))).status).toBe(200);
    expect((await settle(fetchNow(app, path, { authorization: 'Bearer alpha-key-123' }))).status).toBe(200);
    const limited = fetchNow(app, path, { 'x-api-key': 'alpha-key-123' });
    expect(limited).toBeInstanceOf(Response);
    const l = await settle(limited);
    expect(l.status).toBe(429);
    expect(l.headers.get('retry-after')).toBe('1');
    expect(l.headers.get('x-request-id')).toMatch(UUID);
    const routedLimited = await settle(fetchNow(app, `${path}?mode=crl-first`, { 'x-api-key': 'alpha-key-123' }));
    expect(routedLimited.status).toBe(429);
    expect({ ...l.body, instance: '' }).toEqual({ ...routedLimited.body, instance: '' });
    expect(l.body.detail).toMatch(/^rate limit of key [0-9a-f]{8} exceeded$/);
  });

  it('counts requests and answers under the route template, and logs 200s at debug and problems at info with the request id', async () => {
    const { app, lines } = await build({ API_KEYS: 'alpha-key-123' });
    const path = `/v1/status/jpki-sign-2023/${good.serial}`;
    for (let i = 0; i < 3; i++) await fetchNow(app, path, { 'x-api-key': 'alpha-key-123', 'x-request-id': `req-${i}` });
    await fetchNow(app, path, { 'x-request-id': 'no-key' });
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('jpki_validator_http_requests_total{route="/v1/status/:issuer/:serial",method="GET",status="200"} 3');
    expect(metrics).toContain('jpki_validator_http_requests_total{route="/v1/status/:issuer/:serial",method="GET",status="401"} 1');
    expect(metrics).toContain('jpki_validator_status_answers_total{status="good",detail="",source="crl"} 3');
    expect(metrics).toContain('jpki_validator_http_request_duration_seconds_count{route="/v1/status/:issuer/:serial"} 4');
    const ok = lines.find((l) => l.reqId === 'req-1');
    expect(ok).toMatchObject({ level: 20, msg: 'request', method: 'GET', route: '/v1/status/:issuer/:serial', path, status: 200 });
    expect(typeof ok?.ms).toBe('number');
    expect(lines.find((l) => l.reqId === 'no-key')).toMatchObject({ level: 30, msg: 'request', status: 401, path });
  });

  it("over real HTTP: the answer with the caller's sane request id, a fresh one for an insane one", async () => {
    const { app } = await build();
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/v1/status/jpki-sign/${revoked.serial}`, { headers: { 'x-request-id': 'abc.DEF:1' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('abc.DEF:1');
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toMatchObject({ status: 'revoked', reason: 'affiliationChanged', serial: revoked.serial });
      const insane = await fetch(`${base}/v1/status/jpki-sign/${good.serial}`, { headers: { 'x-request-id': 'has space' } });
      expect(insane.headers.get('x-request-id')).toMatch(UUID);
      await insane.arrayBuffer();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
