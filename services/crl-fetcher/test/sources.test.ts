import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync, utimesSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSource, createHttpSource, type FetchOutcome } from '../src/sources/index.js';
import { FetcherError } from '../src/errors.js';

const BODY = Buffer.alloc(64 * 1024, 0x5a);
let server: Server;
let base = '';
let requests: { url: string; headers: Record<string, string | string[] | undefined> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    switch (req.url) {
      case '/crl': {
        if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
        res.writeHead(200, { etag: '"v1"', 'last-modified': 'Tue, 24 Nov 2026 00:00:00 GMT', 'content-length': BODY.length });
        return res.end(BODY);
      }
      case '/moved':
        return res.writeHead(302, { location: '/crl' }).end();
      case '/gone':
        return res.writeHead(404).end();
      case '/busy':
        return res.writeHead(503).end();
      case '/silent':
        return; // never answers: the read timeout must fire
      case '/big-unannounced': {
        res.writeHead(200);
        res.write(BODY);
        res.write(BODY);
        return res.end();
      }
      case '/cut': {
        res.writeHead(200, { 'content-length': BODY.length * 2 });
        res.write(BODY);
        setTimeout(() => res.destroy(), 20);
        return;
      }
      default:
        return res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function drain(outcome: FetchOutcome): Promise<number> {
  if (outcome.kind !== 'body') return -1;
  let n = 0;
  for await (const chunk of outcome.body) n += chunk.length;
  return n;
}

async function failure(p: Promise<unknown>): Promise<FetcherError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof FetcherError) return error;
    throw error;
  }
  throw new Error('expected a FetcherError');
}

describe('HTTP source', () => {
  it('fetches, remembers validators, and a second fetch is a conditional GET answered 304', async () => {
    requests = [];
    const source = createHttpSource({ url: `${base}/crl` });
    const first = await source.fetch(null);
    expect(first.kind).toBe('body');
    expect(await drain(first)).toBe(BODY.length);
    const validators = first.kind === 'body' ? first.validators : null;
    expect(validators).toEqual({ etag: '"v1"', lastModified: 'Tue, 24 Nov 2026 00:00:00 GMT' });
    const second = await source.fetch(validators);
    expect(second).toEqual({ kind: 'not-modified' });
    expect(requests[1]?.headers['if-none-match']).toBe('"v1"');
    expect(requests[1]?.headers['if-modified-since']).toBe('Tue, 24 Nov 2026 00:00:00 GMT');
  });

  it('follows a redirect', async () => {
    const out = await createHttpSource({ url: `${base}/moved` }).fetch(null);
    expect(out.kind === 'body' && out.origin).toBe(`${base}/crl`);
    expect(await drain(out)).toBe(BODY.length);
  });

  it('a 4xx is final, a 5xx is retryable', async () => {
    const gone = await failure(createHttpSource({ url: `${base}/gone` }).fetch(null));
    expect([gone.code, gone.retryable]).toEqual(['FETCH_HTTP_STATUS', false]);
    const busy = await failure(createHttpSource({ url: `${base}/busy` }).fetch(null));
    expect([busy.code, busy.retryable]).toEqual(['FETCH_HTTP_STATUS', true]);
  });

  it('times out a server that never answers, and says so', async () => {
    const err = await failure(createHttpSource({ url: `${base}/silent`, readTimeoutMs: 200 }).fetch(null));
    expect([err.code, err.retryable]).toEqual(['FETCH_TIMEOUT', true]);
  });

  it('refuses a body over the cap, announced or not', async () => {
    const announced = await failure(createHttpSource({ url: `${base}/crl`, maxBytes: 1000 }).fetch(null));
    expect([announced.code, announced.retryable]).toEqual(['FETCH_TOO_LARGE', false]);
    const streamed = await createHttpSource({ url: `${base}/big-unannounced`, maxBytes: BODY.length + 10 }).fetch(null);
    const err = await failure(drain(streamed));
    expect(err.code).toBe('FETCH_TOO_LARGE');
  });

  it('a body cut short is a retryable network failure, not a short CRL', async () => {
    const out = await createHttpSource({ url: `${base}/cut` }).fetch(null);
    const err = await failure(drain(out));
    expect([err.code, err.retryable]).toEqual(['FETCH_NETWORK', true]);
  });

  it('a refused connection is retryable', async () => {
    const err = await failure(createHttpSource({ url: 'http://127.0.0.1:1/crl', connectTimeoutMs: 500 }).fetch(null));
    expect(err.retryable).toBe(true);
  });
});

describe('file source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jv-src-'));

  it('reads a file and answers not-modified while it is unchanged', async () => {
    const file = join(dir, 'a.crl');
    writeFileSync(file, BODY);
    const source = createFileSource({ path: file });
    const first = await source.fetch(null);
    expect(await drain(first)).toBe(BODY.length);
    const validators = first.kind === 'body' ? first.validators : null;
    expect(await source.fetch(validators)).toEqual({ kind: 'not-modified' });
    writeFileSync(file, BODY.subarray(1));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect((await source.fetch(validators)).kind).toBe('body');
  });

  it('takes the newest finished file of a drop directory', async () => {
    const drop = join(dir, 'drop');
    mkdirSync(drop);
    const empty = await failure(createFileSource({ path: drop }).fetch(null));
    expect(empty.code).toBe('FETCH_NOT_FOUND');
    writeFileSync(join(drop, 'day1.crl'), BODY);
    utimesSync(join(drop, 'day1.crl'), new Date(1000_000), new Date(1000_000));
    writeFileSync(join(drop, 'day2.crl'), BODY.subarray(10));
    utimesSync(join(drop, 'day2.crl'), new Date(2000_000), new Date(2000_000));
    writeFileSync(join(drop, 'day3.crl.part'), BODY.subarray(20));
    const out = await createFileSource({ path: drop }).fetch(null);
    expect(out.kind === 'body' && out.origin).toBe(join(drop, 'day2.crl'));
    expect(await drain(out)).toBe(BODY.length - 10);
  });

  it('a missing path names the path', async () => {
    const err = await failure(createFileSource({ path: join(dir, 'nope.crl') }).fetch(null));
    expect(err.message).toContain('nope.crl');
  });
});
