/**
 * The console's JSON (/console/api/*) on the embedded store and on Redis: behind the API keys (cookie from the login form, or the
 * key header), figures equal to the API's own (/readyz, /v1/issuers, /v1/audit), and the ops history the fetcher recorded — every
 * load including the rejected one with its reason, and the affiliationChanged revocations of the second load counted that day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jstDay } from '@jpki-validator/store';
import { AUTH, CONSOLE_KEY, PLAIN_KEY, SIGN, startConsoleWorld, type ConsoleWorld } from './console-world.js';

describe.each(['embedded', 'redis'] as const)('console API (%s store)', (kind) => {
  let world: ConsoleWorld;
  let url: string;
  const get = (path: string, key: string | null = CONSOLE_KEY) =>
    fetch(`${url}${path}`, { headers: key === null ? {} : { 'x-api-key': key }, redirect: 'manual' });
  const json = async <T>(path: string, key: string | null = CONSOLE_KEY): Promise<T> => {
    const response = await get(path, key);
    expect(response.status, `${path}: ${response.status}`).toBeLessThan(path === '/readyz' ? 504 : 500);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    world = await startConsoleWorld(kind);
    url = world.validator.url;
    // the Redis replica loads in the background: wait until it serves the loaded partitions
    const loaded = async () =>
      ((await (await get('/readyz', null)).json()) as { issuers: { crl: string }[] }).issuers.every((i) => i.crl !== 'not_loaded');
    for (let i = 0; i < 100 && !(await loaded()); i++) await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    await world?.close();
  });

  it('is closed without a key: the page is the login form, the data 401', async () => {
    const page = await get('/console', null);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('action="/console/login"');
    expect((await get('/console/api/overview', null)).status).toBe(401);
    expect((await get('/console/api/overview', 'wrong-key')).status).toBe(401);
    // assets carry nothing secret and load before the login
    expect((await get('/console/assets/uPlot.iife.min.js', null)).status).toBe(200);
    expect((await get('/console/assets/nope.js', null)).status).toBe(404);
  });

  it('logs in with a key: an HttpOnly, SameSite=Strict cookie scoped to /console that opens the page and the data', async () => {
    const refused = await fetch(`${url}/console/login`, {
      method: 'POST',
      body: new URLSearchParams({ key: 'wrong' }),
      redirect: 'manual',
    });
    expect(refused.status).toBe(303);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const login = await fetch(`${url}/console/login`, {
      method: 'POST',
      body: new URLSearchParams({ key: CONSOLE_KEY }),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/console/i);
    const pair = cookie.split(';')[0] as string;
    const page = await fetch(`${url}/console`, { headers: { cookie: pair } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${url}/console/api/overview`, { headers: { cookie: pair } })).status).toBe(200);
    // the cookie is the console's: the API itself still wants the header
    expect((await fetch(`${url}/v1/issuers`, { headers: { cookie: pair } })).status).toBe(401);
  });

  it('shows the readiness and partition counts /readyz and /v1/issuers give, the stale partition among the worst', async () => {
    type Overview = {
      ready: boolean;
      store: { kind: string; status: string };
      partitions: {
        total: number;
        fresh: number;
        stale: number;
        notLoaded: number;
        worst: { caId: string; name: string; state: string }[];
      };
      issuers: { id: string; crl: string; ready: boolean; medium: string; kind: string }[];
      byMediumKind: { medium: string; kind: string; issuers: number }[];
    };
    const o = await json<Overview>('/console/api/overview');
    const readyz = await json<{
      ready: boolean;
      issuers: { id: string; crl: string; partitions?: { total: number; fresh: number; stale: number; notLoaded: number } }[];
    }>('/readyz', null);
    expect(o.ready).toBe(readyz.ready);
    expect(o.store).toEqual({ kind, status: 'ok', dataLoss: [] });
    const sum = (k: 'total' | 'fresh' | 'stale' | 'notLoaded') => readyz.issuers.reduce((n, i) => n + (i.partitions?.[k] ?? 0), 0);
    expect(o.partitions).toMatchObject({ total: sum('total'), fresh: sum('fresh'), stale: sum('stale'), notLoaded: sum('notLoaded') });
    expect(o.partitions).toMatchObject({ total: 6, fresh: 4, stale: 1, notLoaded: 1 });
    expect(o.partitions.worst.map((p) => `${p.caId}/${p.name}:${p.state}`)).toEqual([`${AUTH}/p0001:not_loaded`, `${SIGN}/p0002:stale`]);
    for (const i of o.issuers) expect(i.crl).toBe(readyz.issuers.find((r) => r.id === i.id)?.crl);
    expect(o.byMediumKind).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ medium: 'card', kind: 'sign', issuers: 1 }),
        expect.objectContaining({ medium: 'card', kind: 'auth', issuers: 1 }),
      ]),
    );
    const { issuers } = await json<{ issuers: { id: string; partitions: { name: string; stale: boolean; crlNumber: string | null }[] }[] }>(
      '/v1/issuers?partitions=all',
    );
    const stalePage = await json<{ total: number; items: { caId: string; name: string; crlNumber: string | null }[] }>(
      `/console/api/partitions?state=stale`,
    );
    expect(stalePage.items.map((p) => `${p.caId}/${p.name}`)).toEqual([`${SIGN}/p0002`]);
    const apiStale = issuers.find((i) => i.id === SIGN)?.partitions.find((p) => p.name === 'p0002');
    expect(stalePage.items[0]?.crlNumber).toBe(apiStale?.crlNumber);
    expect((await get('/console/api/partitions?state=rotten')).status).toBe(400);
  });

  it('lists every load the fetcher made, the rejected one with its reason, and one partition on its own', async () => {
    type Loads = {
      total: number;
      items: {
        caId: string;
        partition: string;
        outcome: string;
        reason: string | null;
        crlNumber: string | null;
        entries: number | null;
        bytes: number | null;
        durationMs: number;
      }[];
    };
    const all = await json<Loads>('/console/api/loads?limit=500');
    // two fetches of six partitions; the second fetch of the unchanged auth partitions and the stale one lists only what changed
    expect(all.items.filter((l) => l.outcome === 'rejected')).toHaveLength(2);
    const rejected = await json<Loads>('/console/api/loads?rejected=1');
    expect(rejected.items[0]).toMatchObject({ caId: AUTH, partition: 'p0001', outcome: 'rejected', reason: 'malformed' });
    const one = await json<Loads>(`/console/api/loads?ca=${SIGN}&partition=p0000`);
    expect(one.items.map((l) => l.outcome)).toEqual(['loaded', 'loaded']);
    const { issuers } = await json<{
      issuers: { id: string; partitions: { name: string; crlNumber: string | null; entries: number | null }[] }[];
    }>('/v1/issuers?partitions=all');
    const now = issuers.find((i) => i.id === SIGN)?.partitions.find((p) => p.name === 'p0000');
    expect(one.items[0]).toMatchObject({ crlNumber: now?.crlNumber, entries: now?.entries });
    expect(one.items[0]?.bytes).toBeGreaterThan(0);
  });

  it("counts the second load's new affiliationChanged revocations on today's JST day, by reason and meaning", async () => {
    type History = {
      days: string[];
      revocations: { byReason: Record<string, number[]>; byMeaning: Record<string, number[]> };
      loads: Record<string, number[]>;
      ocspCapYenPerDay: number;
    };
    const h = await json<History>('/console/api/history');
    expect(h.days).toHaveLength(30);
    expect(h.days.at(-1)).toBe(jstDay(Date.now()));
    expect(h.revocations.byReason.affiliationChanged?.at(-1)).toBe(world.newlyRevoked.length);
    expect(h.revocations.byMeaning.death_or_emigration?.at(-1)).toBe(world.newlyRevoked.length);
    expect(h.loads.rejected?.at(-1)).toBe(2);
    const year = await json<History>(`/console/api/history?from=${jstDay(Date.now() - 364 * 86_400_000)}&ca=${AUTH}`);
    expect(year.days).toHaveLength(365);
    expect(year.revocations.byReason.affiliationChanged).toBeUndefined();
    expect((await get('/console/api/history?from=yesterday')).status).toBe(400);
  });

  // the watch job of the world runs on the embedded store (its Redis form shares the recording: watch-job.ts)
  if (kind === 'embedded')
    it('lists the watch pass that found the revoked customers and the delivery waiting for its retry', async () => {
      type Watch = {
        passes: { total: number; items: { rows: number; events: number; revoked: number }[] };
        deliveries: { items: { delivered: number; pending: number; failed: number; errors: string[]; nextRetryAt: string | null }[] };
      };
      const w = await json<Watch>('/console/api/watch');
      const found = w.passes.items.find((p) => p.events > 0);
      expect(found).toMatchObject({ rows: 4, events: world.newlyRevoked.length, revoked: world.newlyRevoked.length });
      const round = w.deliveries.items[0];
      expect(round?.pending).toBeGreaterThan(0);
      expect(round?.errors.join(' ')).toContain('127.0.0.1:9');
      expect(Date.parse(round?.nextRetryAt ?? '')).toBeGreaterThan(Date.now());
      const h = await json<{ watch: Record<string, number[]> }>('/console/api/history');
      expect(h.watch.events?.at(-1)).toBe(world.newlyRevoked.length);
    });

  it("adds this validator's OCSP queries, cache hits and spend to today's figures, as /metrics counts them, against the cap", async () => {
    for (let i = 0; i < 2; i++) {
      const answer = (await json(`/v1/status/${SIGN}/${world.stillGood}?mode=ocsp-only`)) as { status: string; source: string };
      expect(answer).toMatchObject({ status: 'good', source: 'ocsp' });
    }
    const h = await json<{ ocsp: Record<string, number[]>; ocspCapYenPerDay: number }>('/console/api/history');
    const metrics = await (await get('/metrics', null)).text();
    const metric = (name: string) => Number(new RegExp(`^${name}\\{ca="${SIGN}"[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(h.ocsp.queries?.at(-1)).toBe(metric('jpki_validator_ocsp_queries_total'));
    expect(h.ocsp.cacheHits?.at(-1)).toBe(metric('jpki_validator_ocsp_cache_hits_total'));
    expect(h.ocsp.spendYen?.at(-1)).toBe(metric('jpki_validator_ocsp_estimated_cost_yen_total'));
    expect(h.ocsp).toMatchObject({
      queries: expect.arrayContaining([1]),
      cacheHits: expect.arrayContaining([1]),
      spendYen: expect.arrayContaining([20]),
    });
    // the spend cap (600 queries a minute) at 20 yen a query, all day
    expect(h.ocspCapYenPerDay).toBe(600 * 1_440 * 20);
  });

  it('answers the audit search through /v1/audit with the same records, and only for a key with the audit scope', async () => {
    const serial = world.newlyRevoked[0] as string;
    expect((await get(`/v1/status/jpki-sign/${serial}?purpose=death_check`)).status).toBe(200);
    let page: { records: { serial: string; purpose: string; result: string; reason: string }[] } = { records: [] };
    for (let i = 0; i < 50 && page.records.length === 0; i++) {
      page = await json(`/console/api/audit?serial=${serial}`);
      if (page.records.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(page.records[0]).toMatchObject({ serial, purpose: 'death_check', result: 'revoked', reason: 'affiliationChanged' });
    expect(await json(`/v1/audit?serial=${serial}`)).toEqual(page);
    expect((await get(`/console/api/audit?serial=${serial}`, PLAIN_KEY)).status).toBe(403);
  });
});
