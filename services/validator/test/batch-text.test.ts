/**
 * The hot paths' hand-made JSON and hand checks (batch-answers.ts, batch-items.ts, query.ts, fast-response.ts) against what they
 * replace: the batch's text is byte for byte `JSON.stringify({ ...answer, id })` of `checkMany`'s answers (bulk path and the
 * OCSP issuers' checkMany path alike), refused bodies and queries get zod's own 400s, every response carries the request id, and
 * Hono stays on its RegExpRouter. Real simulator CRLs in the embedded store; the simulator's OCSP responder for one CA.
 */
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusAnswerJson } from '../src/fast-path/answer-json.js';
import { scanBatchBody } from '../src/batch/batch-scan.js';
import { BatchRequestSchema } from '../src/schemas.js';
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

let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let store: EmbeddedRevocationStore;
let svc: TestService;
/** serials of the seeded populations: good ones and revoked ones with every reason the simulator drew (some with invalidityDate) */
const population = new Map<string, string[]>();

beforeAll(async () => {
  tmp = await tempDir('batch-text');
  world = await simWorld(tmp.path);
  const { sim } = world;
  store = await openEmbeddedStore();
  const crls = {
    'jpki-sign-2023': await writePartitionCrls(world, 'jpki-sign-2023'),
    'jpki-sign-2015': await writePartitionCrls(world, 'jpki-sign-2015'),
    'jpki-auth-2023': await writePartitionCrls(world, 'jpki-auth-2023', { expired: true }),
    'jpki-auth-2015': await writePartitionCrls(world, 'jpki-auth-2015'),
  };
  for (const [caId, list] of Object.entries(crls)) for (const p of list) await loadCrlFile(store, caId, p.name, p.source);
  for (const ca of sim.listCas())
    population.set(
      ca.id,
      Array.from({ length: 300 }, (_, i) => (ca.serialBase + i * 3).toString(16)),
    );
  const config = await writeConfig(tmp.path, 'batch-text', [
    { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: sim.caCertificatePath('jpki-sign-2023'), crls: crls['jpki-sign-2023'] },
    { id: 'jpki-sign-2015', group: 'jpki-sign', caCert: sim.caCertificatePath('jpki-sign-2015'), crls: crls['jpki-sign-2015'] },
    { id: 'jpki-auth-2023', group: 'jpki-auth', caCert: sim.caCertificatePath('jpki-auth-2023'), crls: crls['jpki-auth-2023'] },
    // an OCSP responder: these items are answered by checkMany, not the bulk path
    {
      id: 'jpki-auth-2015',
      group: 'jpki-auth',
      caCert: sim.caCertificatePath('jpki-auth-2015'),
      crls: crls['jpki-auth-2015'],
      ocsp: { url: `${world.server.url}/ocsp` },
    },
  ]);
  // A clock frozen now: both sides of each comparison carry the same checkedAt even across a second boundary (the simulator
  // dates its CRLs from the hour before now, so they are fresh at this instant).
  const frozenNow = Date.now();
  svc = await buildService(config, store, store.kv, { now: () => frozenNow });
});

afterAll(async () => {
  await world?.close();
  await store?.close();
  await tmp?.remove();
});

interface Item {
  issuer: string;
  serial: string;
  id?: unknown;
}

/** what the batch endpoint answered before its hot path: checkMany, then JSON.stringify of each answer with the id copied in */
async function expectedLines(items: readonly Item[], options: { atMs?: number } = {}): Promise<string[]> {
  const answers = await svc.resolver.checkMany(items, options);
  return answers.map((answer, i) => {
    const id = items[i]?.id;
    return JSON.stringify(id === undefined ? answer : { ...answer, id });
  });
}

function mixedItems(): Item[] {
  const items: Item[] = [];
  // ids as JSON.stringify must write them: escapes, control characters, DEL, a lone surrogate, empty, and past the short-text copy
  const ids: unknown[] = [
    'a',
    7,
    1.5,
    -3,
    undefined,
    'quote " backslash \\ é 日本',
    0,
    '',
    'tab\tnew\nline\u0001',
    'del\u007f',
    'lone \ud800',
    'x'.repeat(64),
    `${'y'.repeat(70)}"`,
    'z'.repeat(200),
  ];
  let k = 0;
  for (const [caId, serials] of population) {
    for (const serial of serials.slice(0, 120)) items.push({ issuer: caId, serial, id: ids[k++ % ids.length] });
    // groups, both CA generations; a serial of one CA asked of the other's group
    for (const serial of serials.slice(120, 160)) items.push({ issuer: caId.replace(/-\d+$/, ''), serial, id: k++ });
  }
  const some = population.get('jpki-sign-2023')?.[3] ?? '1';
  items.push(
    { issuer: 'jpki-sign-2023', serial: `0x${some}` },
    { issuer: 'jpki-sign-2023', serial: `0000${some.toLowerCase()}` },
    { issuer: 'jpki-sign-2023', serial: ` ${some} ` },
    { issuer: 'jpki-sign-2023', serial: 'FFFFFFFFFFFFFFFFFFFFFFFF' },
    { issuer: 'jpki-sign-2023', serial: '1234567890ABCDEF12' },
    { issuer: 'jpki-sign-2023', serial: 'not-hex', id: 'bad' },
    { issuer: 'jpki-sign-2023', serial: '' },
    { issuer: 'nowhere', serial: '1', id: 'x' },
    { issuer: 'nowhere', serial: 'zz' },
    { issuer: '', serial: '0' },
  );
  return items;
}

describe('the JSON batch, written as text', () => {
  it('is byte for byte JSON.stringify({...answer, id}) of checkMany, for every kind of answer', async () => {
    const items = mixedItems();
    const expected = await expectedLines(items);
    const res = await svc.app.request('/v1/status/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`{"results":[${expected.join(',')}]}`);
    // the mix covered what it should
    const parsed = expected.map((l) => JSON.parse(l) as Record<string, unknown>);
    const kinds = new Set(parsed.map((a) => `${String(a.status)}/${String(a.detail ?? a.reason ?? a.source)}`));
    for (const kind of ['good/crl', 'unknown/crl_stale', 'unknown/malformed_serial', 'unknown/issuer_unknown'])
      expect(kinds).toContain(kind);
    expect(parsed.filter((a) => a.status === 'revoked').length).toBeGreaterThan(20);
    expect(parsed.some((a) => a.invalidityDate !== null)).toBe(true);
    expect(parsed.some((a) => a.issuer === 'jpki-auth-2015' && a.status === 'good')).toBe(true);
  });

  it('reads a plain body in place (batch-scan.ts) with the same text, whitespace, groups, odd serials, OCSP issuers and ids alike', async () => {
    // only what the scanner takes: printable ASCII without escapes, string or plain integer ids
    const ids: unknown[] = ['a', 7, undefined, 0, -3, '', 'row 1/2', 'x'.repeat(90), 123_456_789_012_345];
    const items = mixedItems().map((item, k) => ({
      issuer: item.issuer,
      serial: item.serial,
      ...(ids[k % ids.length] === undefined ? {} : { id: ids[k % ids.length] }),
    }));
    const expected = `{"results":[${(await expectedLines(items)).join(',')}]}`;
    for (const body of [
      JSON.stringify({ items }),
      JSON.stringify({ items }, null, 2).replace(/\n/g, '\r\n'),
      ` \t${JSON.stringify({ items }, null, '\t')}\n`,
    ]) {
      expect(scanBatchBody(Buffer.from(body), 10_000)?.length).toBe(items.length);
      const res = await svc.app.request('/v1/status/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(expected);
    }
    // the same questions spelled with escapes: left to JSON.parse, answered alike
    const escaped = JSON.stringify({ items }).replace(
      /"serial":"(\w)/g,
      (_, c: string) => `"serial":"\\u00${c.charCodeAt(0).toString(16)}`,
    );
    expect(escaped).toContain('\\u00');
    expect(scanBatchBody(Buffer.from(escaped), 10_000)).toBeNull();
    const res = await svc.app.request('/v1/status/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: escaped,
    });
    expect(await res.text()).toBe(expected);
  });

  it("writes a single answer (the status GET's fast path) as JSON.stringify does, for every kind of answer", async () => {
    const items = mixedItems();
    const viaOcsp = items.filter((i) => i.issuer === 'jpki-auth-2015').slice(0, 20);
    const answers = [
      ...(await svc.resolver.checkMany(items)),
      ...(await svc.resolver.checkMany(items.slice(0, 100), { atMs: Date.parse('2020-01-01T00:00:00Z') })),
      ...(await svc.resolver.checkMany(viaOcsp, { mode: 'ocsp-only' })),
    ];
    const kinds = new Set(answers.map((a) => `${a.status}/${a.detail ?? a.reason ?? a.source}/${a.anomaly === true}`));
    expect(kinds.size).toBeGreaterThan(6);
    expect(answers.some((a) => a.ocsp !== undefined)).toBe(true);
    expect(answers.some((a) => a.invalidityDate !== null)).toBe(true);
    // values no real answer carries but a profile or a request could: quotes, backslashes, controls, non-ASCII, a lone surrogate
    const odd = ['quote " and \\ backslash', 'tab\tnew\nline\u0001', 'é 日本', 'lone \ud800', '', 'x'.repeat(300)];
    const first = answers[0] as (typeof answers)[number];
    const revoked = answers.find((a) => a.status === 'revoked') as (typeof answers)[number];
    const unknown = answers.find((a) => a.detail !== undefined) as (typeof answers)[number];
    for (const text of odd) {
      answers.push(
        { ...first, issuer: text, serial: text, checkedAt: text },
        { ...revoked, meaning: text, reason: text as never, revokedAt: text, invalidityDate: text, caId: text },
      );
      answers.push({ ...unknown, detail: text as never }, { ...revoked, anomaly: true });
    }
    for (const answer of answers) expect(statusAnswerJson(answer)).toBe(JSON.stringify(answer));
  });

  it('with at= every item takes the checkMany path, with the same text', async () => {
    const items = mixedItems().slice(0, 200);
    const at = '2020-01-01T00:00:00Z';
    const expected = await expectedLines(items, { atMs: Date.parse(at) });
    const res = await svc.app.request(`/v1/status/batch?at=${at}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    expect(await res.text()).toBe(`{"results":[${expected.join(',')}]}`);
  });

  it("accepts extra keys as the schema does, answers bad items in place, and refuses a body that is not {items} with zod's own 400", async () => {
    const extra = await svc.app.request('/v1/status/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ issuer: 'jpki-sign-2023', serial: '1', note: 'kept out' }], more: true }),
    });
    expect(extra.status).toBe(200);
    for (const items of [[{ issuer: 1, serial: '1' }], [{ issuer: 'a', serial: '1', id: null }], [null]]) {
      const res = await svc.app.request('/v1/status/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { results: { status: string }[] }).results.map((r) => r.status)).toEqual(['unknown']);
    }
    for (const body of [{ items: 'x' }, [], { items: { 0: 1 } }]) {
      const res = await svc.app.request('/v1/status/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      const result = BatchRequestSchema.safeParse(body);
      expect(result.success).toBe(false);
      const detail = result.error?.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(body)'}: ${i.message}`).join('; ');
      expect(((await res.json()) as { detail: string }).detail).toBe(detail);
    }
    const noType = await svc.app.request('/v1/status/batch', { method: 'POST' });
    expect(noType.status).toBe(400);
    expect(((await noType.json()) as { detail: string }).detail).toMatch(/body must be JSON/);
    const text = await svc.app.request('/v1/status/batch', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(text.status).toBe(415);
  });

  it('counts every answer in /metrics by status, detail and source', async () => {
    const metric = async (labels: string): Promise<number> => {
      const text = await (await svc.app.request('/metrics')).text();
      const m = new RegExp(`jpki_validator_status_answers_total\\{${labels}\\} (\\d+)`).exec(text);
      return Number(m?.[1] ?? 0);
    };
    const labels = 'status="unknown",detail="issuer_unknown",source=""';
    const before = await metric(labels);
    const items = Array.from({ length: 5 }, (_, i) => ({ issuer: 'nowhere', serial: String(i + 1) }));
    await svc.app.request('/v1/status/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    expect((await metric(labels)) - before).toBe(5);
  });
});

describe('the NDJSON batch', () => {
  it('writes the same text per line, with ids of any JSON type', async () => {
    const items = mixedItems().slice(0, 300);
    items.push({ issuer: 'jpki-sign-2023', serial: '1', id: null }, { issuer: 'jpki-sign-2023', serial: '2', id: { k: [1, 'two'] } });
    const expected = await expectedLines(items);
    const body = `${items.map((i) => JSON.stringify(i)).join('\n')}\n{"issuer":5,"serial":[]}\n[1]\n`;
    const res = await svc.app.request('/v1/status/batch', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    const lines = (await res.text()).trimEnd().split('\n');
    const wrongTypes = (await expectedLines([{ issuer: '', serial: '' }]))[0];
    expect(lines).toEqual([
      ...expected,
      wrongTypes,
      JSON.stringify({ line: items.length + 2, error: `line ${items.length + 2}: not a JSON object` }),
    ]);
  });
});

describe('the status GET without zod', () => {
  it("answers as before, and refuses a bad query with the schema's 400", async () => {
    const serial = population.get('jpki-sign-2023')?.[0] ?? '1';
    const res = await svc.app.request(`/v1/status/jpki-sign-2023/${serial}`);
    expect(await res.text()).toBe(JSON.stringify(await svc.resolver.check('jpki-sign-2023', serial)));
    expect(res.headers.get('content-type')).toBe('application/json');
    const badMode = await svc.app.request(`/v1/status/jpki-sign-2023/${serial}?mode=sometimes`);
    expect(badMode.status).toBe(400);
    expect(((await badMode.json()) as { detail: string }).detail).toMatch(/^mode: /);
    const twice = await svc.app.request(`/v1/status/jpki-sign-2023/${serial}?at=2020-01-01&at=2021-01-01`);
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as { detail: string }).detail).toMatch(/^at: /);
    expect((await svc.app.request(`/v1/status/jpki-sign-2023/${serial}?at=yesterday`)).status).toBe(400);
    expect((await svc.app.request(`/v1/status/jpki-sign-2023/${serial}?mode=crl-only`)).status).toBe(200);
  });

  it('puts the request id on every response: fast ones, problems, unknown routes, and echoes a sane incoming one', async () => {
    const serial = population.get('jpki-sign-2023')?.[0] ?? '1';
    const uuid = /^[0-9a-f-]{36}$/;
    for (const path of [
      `/v1/status/jpki-sign-2023/${serial}`,
      '/v1/status/jpki-sign-2023/zz',
      '/v1/status/nowhere/1',
      '/no/such/route',
      '/healthz',
    ]) {
      expect((await svc.app.request(path)).headers.get('x-request-id')).toMatch(uuid);
    }
    const batch = await svc.app.request('/v1/status/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"items":[]}',
    });
    expect(batch.headers.get('x-request-id')).toMatch(uuid);
    expect(
      (await svc.app.request(`/v1/status/jpki-sign-2023/${serial}`, { headers: { 'x-request-id': 'caller-42' } })).headers.get(
        'x-request-id',
      ),
    ).toBe('caller-42');
  });

  it('keeps Hono on its RegExpRouter (a route it cannot compile would drop every request to the slower TrieRouter)', async () => {
    await svc.app.request('/healthz');
    expect(svc.app.router.name).toBe('SmartRouter + RegExpRouter');
  });
});
