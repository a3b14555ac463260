/**
 * Hostile batches: NDJSON lines of any length (capped, never echoed, every byte looked at once, memory bounded by the cap) and JSON
 * batch items of the wrong shape (answered in place, as NDJSON answers them, never a 400 for the whole batch). Real simulator CRLs
 * in the embedded store; the NDJSON cases also over real HTTP.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanBatchBody } from '../src/batch/batch-scan.js';
import { MAX_LINE_BYTES } from '../src/batch/ndjson.js';
import { NdjsonLineReader } from '../src/batch/ndjson-lines.js';
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
let revoked: string;
let good: string;

const CA = 'jpki-sign-2023';

beforeAll(async () => {
  tmp = await tempDir('batch-hostile');
  world = await simWorld(tmp.path);
  store = await openEmbeddedStore();
  const crls = await writePartitionCrls(world, CA);
  for (const p of crls) await loadCrlFile(store, CA, p.name, p.source);
  const ca = world.sim.listCas().find((c) => c.id === CA);
  if (!ca) throw new Error('no CA');
  for (let n = ca.serialBase; n < ca.serialBase + 2_000; n++) {
    const s = world.sim.status(CA, n);
    if (s.status === 'revoked') revoked ??= s.serial;
    else good ??= s.serial;
  }
  const config = await writeConfig(tmp.path, 'batch-hostile', [
    { id: CA, group: 'jpki-sign', caCert: world.sim.caCertificatePath(CA), crls },
  ]);
  const frozenNow = Date.now();
  svc = await buildService(config, store, store.kv, { now: () => frozenNow });
});

afterAll(async () => {
  await world?.close();
  await store?.close();
  await tmp?.remove();
});

type Answer = Record<string, unknown>;

async function postNdjson(body: string | ReadableStream<Uint8Array>): Promise<{ status: number; text: string }> {
  const res = await svc.app.request('/v1/status/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);
  return { status: res.status, text: await res.text() };
}

async function postJson(body: string): Promise<{ status: number; body: Answer }> {
  const res = await svc.app.request('/v1/status/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, body: (await res.json()) as Answer };
}

/** a body streamed in the given pieces */
function streamOf(pieces: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      const piece = pieces[i++];
      if (piece === undefined) controller.close();
      else controller.enqueue(piece);
    },
  });
}

const lines = (text: string): Answer[] =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Answer);

describe('NDJSON: a line is capped', () => {
  it('a 1 MiB line gets {"line":N,"error"} without its content, and the lines around it are answered', async () => {
    const huge = JSON.stringify({ issuer: CA, serial: 'A'.repeat(2 ** 20) });
    const body = [JSON.stringify({ issuer: CA, serial: revoked, id: 1 }), huge, JSON.stringify({ issuer: CA, serial: good, id: 3 })].join(
      '\n',
    );
    const { status, text } = await postNdjson(body);
    expect(status).toBe(200);
    expect(text.length).toBeLessThan(2_000);
    expect(lines(text)).toEqual([
      expect.objectContaining({ status: 'revoked', id: 1 }),
      { line: 2, error: `line 2: longer than ${MAX_LINE_BYTES} bytes (not read)` },
      expect.objectContaining({ status: 'good', id: 3 }),
    ]);
  });

  it('the cap is exact (65 536 bytes read, 65 537 not), wherever the chunks split the line, and a last line without newline counts', async () => {
    const line = (bytes: number): string => {
      const base = JSON.stringify({ issuer: CA, serial: good, id: '' }).length;
      return JSON.stringify({ issuer: CA, serial: good, id: 'x'.repeat(bytes - base) });
    };
    const atCap = line(MAX_LINE_BYTES);
    const over = line(MAX_LINE_BYTES + 1);
    expect([Buffer.byteLength(atCap), Buffer.byteLength(over)]).toEqual([MAX_LINE_BYTES, MAX_LINE_BYTES + 1]);
    expect(JSON.parse(atCap)).toMatchObject({ serial: good });
    const body = Buffer.from(`${atCap}\n${over}\r\n\n${atCap}`);
    for (const size of [body.length, 1000, 4093, 65_536, 65_537]) {
      const pieces: Uint8Array[] = [];
      for (let i = 0; i < body.length; i += size) pieces.push(body.subarray(i, i + size));
      const out = lines((await postNdjson(streamOf(pieces))).text);
      expect(out.map((o) => o.error ?? o.status)).toEqual(['good', `line 2: longer than ${MAX_LINE_BYTES} bytes (not read)`, 'good']);
    }
  });

  it('the line reader looks at each byte once and never holds more than the cap, for a 12 MiB line in odd pieces', () => {
    const seen: string[] = [];
    let most = 0;
    const reader = new NdjsonLineReader(MAX_LINE_BYTES, {
      line: (bytes, start, end, n) => seen.push(`${n}:${bytes.toString('latin1', start, end)}`),
      oversized: (n) => seen.push(`${n}:oversized`),
    });
    const piece = Buffer.alloc(65_521, 0x41);
    let total = 0;
    const feed = (bytes: Uint8Array): void => {
      reader.push(bytes);
      total += bytes.length;
      most = Math.max(most, reader.bufferedBytes);
    };
    feed(Buffer.from('a\r\n\nb'));
    for (let i = 0; i < 384; i++) feed(piece.subarray(0, (i * 7919) % piece.length || 1));
    feed(Buffer.from('\nc\n'));
    for (let i = 0; i < 10; i++) feed(Buffer.from('d'));
    reader.end();
    expect(seen).toEqual(['1:a\r', '2:', '3:oversized', '4:c', '5:dddddddddd']);
    expect(reader.scannedBytes).toBe(total);
    expect(total).toBeGreaterThan(11 * 2 ** 20);
    expect(most).toBeLessThanOrEqual(MAX_LINE_BYTES);
    // one byte at a time: each byte once all the same
    const oneByOne = new NdjsonLineReader(16, { line: () => undefined, oversized: () => undefined });
    const input = Buffer.from('{"issuer":"a"}\n{"x":"yyyyyyyyyyyyyyyyyyyyyy"}\n');
    for (const b of input) oneByOne.push(Uint8Array.of(b));
    expect(oneByOne.scannedBytes).toBe(input.length);
  });

  it('over real HTTP: a 48 MiB line is refused in place while a status GET on the same server is answered', async () => {
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: svc.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const piece = Buffer.alloc(2 ** 20, 0x41);
      let sent = 0;
      let getDuring: Promise<Response> | null = null;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(Buffer.from(`{"issuer":"${CA}","serial":"`));
          if (sent === 8) getDuring = fetch(`${url}/v1/status/${CA}/${good}`);
          if (sent < 48) controller.enqueue(piece);
          else {
            controller.enqueue(Buffer.from(`"}\n${JSON.stringify({ issuer: CA, serial: revoked, id: 'after' })}\n`));
            controller.close();
          }
          sent++;
        },
      });
      const res = await fetch(`${url}/v1/status/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body,
        duplex: 'half',
      } as RequestInit);
      const out = lines(await res.text());
      expect(out).toEqual([
        { line: 1, error: `line 1: longer than ${MAX_LINE_BYTES} bytes (not read)` },
        expect.objectContaining({ status: 'revoked', id: 'after' }),
      ]);
      if (getDuring === null) throw new Error('the body was not streamed');
      const during: Response = await getDuring;
      expect(during.status).toBe(200);
      expect(((await during.json()) as Answer).status).toBe('good');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('JSON batch: a bad item is answered in place, as NDJSON answers it', () => {
  // made when the test runs: the serials are drawn in beforeAll
  const oddItems = (): unknown[] => [
    { serial: good, id: 'no-issuer' },
    { issuer: CA, serial: 0x1234, id: 'numeric-serial' },
    null,
    { issuer: CA, serial: revoked, id: { ref: ['object', 1] } },
    { issuer: CA, serial: good, id: null },
    7,
    [CA, good],
    { issuer: CA, id: 'no-serial' },
    { issuer: ['x'], serial: good },
  ];

  it('every item gets its answer in order: issuer_unknown, malformed_serial, or its status with the id echoed as given', async () => {
    const odd = oddItems();
    const body = JSON.stringify({ items: odd });
    expect(scanBatchBody(Buffer.from(body), 10_000)).toBeNull();
    const { status, body: answer } = await postJson(body);
    expect(status).toBe(200);
    const results = answer.results as Answer[];
    expect(results.map((r) => [r.status, r.detail ?? r.source, r.id])).toEqual([
      ['unknown', 'issuer_unknown', 'no-issuer'],
      ['unknown', 'malformed_serial', 'numeric-serial'],
      ['unknown', 'malformed_serial', undefined],
      ['revoked', 'crl', { ref: ['object', 1] }],
      ['good', 'crl', null],
      ['unknown', 'malformed_serial', undefined],
      ['unknown', 'malformed_serial', undefined],
      ['unknown', 'malformed_serial', 'no-serial'],
      ['unknown', 'issuer_unknown', undefined],
    ]);
    for (const r of results) if (r.status === 'unknown') expect(r).toMatchObject({ source: null, reason: null, caId: null });
    expect(results[0]).toMatchObject({ issuer: '', serial: good });
    // byte for byte what the NDJSON stream answers for the same items written as lines (non-objects are lines of their own there)
    const objects = odd.filter((o) => typeof o === 'object' && o !== null && !Array.isArray(o));
    const ndjson = lines((await postNdjson(objects.map((o) => JSON.stringify(o)).join('\n'))).text);
    expect(results.filter((_, i) => objects.includes(odd[i]))).toEqual(ndjson);
  });

  it('only a body that is not {"items":[…]} is a 400', async () => {
    for (const body of ['{"items":', 'not json', '{}', '[]', '{"items":"x"}', '{"items":{"0":1}}', 'null']) {
      const { status, body: problem } = await postJson(body);
      expect({ body, status }).toEqual({ body, status: 400 });
      expect(problem).toMatchObject({ status: 400, type: expect.stringContaining('bad-request') });
    }
    expect((await postJson('{"items":[]}')).body).toEqual({ results: [] });
  });
});
