/**
 * Hostile HTTP below the routes, over a real socket to the running service (startValidator): what Node's parser refuses is
 * problem+json like every other error, and a client that walks away mid-body is one info line, not an "unhandled error" with a
 * stack.
 */
import { connect } from 'node:net';
import { loadConfig } from '@jpki-validator/config';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startValidator, type RunningValidator } from '../src/server.js';
import { simWorld, tempDir, writeConfig, writePartitionCrls, type SimWorld } from './helpers.js';

const CA = 'jpki-sign-2023';
let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let running: RunningValidator;
let port: number;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  tmp = await tempDir('http-hostile');
  world = await simWorld(tmp.path);
  const crls = await writePartitionCrls(world, CA);
  const configFile = await writeConfig(
    tmp.path,
    'http-hostile',
    [{ id: CA, group: 'jpki-sign', caCert: world.sim.caCertificatePath(CA), crls }],
    {
      dataDir: `${tmp.path}/data`,
    },
  );
  const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
  running = await startValidator({ config: loadConfig({ file: configFile, env: {} }), logger, port: 0, host: '127.0.0.1' });
  port = running.port;
});

afterAll(async () => {
  await running?.close();
  await world?.close();
  await tmp?.remove();
});

/** writes `request` on a fresh connection; `hangUpAfterMs` closes it from this side (a client walking away mid-body) */
function rawRequest(request: string, hangUpAfterMs?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    socket.write(request);
    if (hangUpAfterMs !== undefined) setTimeout(() => socket.destroy(), hangUpAfterMs);
  });
}

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parse(raw: string): Parsed {
  const split = raw.indexOf('\r\n\r\n');
  const [statusLine = '', ...headerLines] = raw.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const h of headerLines) {
    const colon = h.indexOf(':');
    headers[h.slice(0, colon).toLowerCase()] = h.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: raw.slice(split + 4) };
}

function expectProblem(raw: string, status: number): Record<string, unknown> {
  const res = parse(raw);
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^urn:jpki-validator:problem:/), title: expect.any(String) });
  expect(Buffer.byteLength(res.body)).toBe(Number(res.headers['content-length']));
  return body;
}

const until = async (done: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
};

describe("what Node's parser refuses is problem+json", () => {
  it('a malformed Content-Length: 400', async () => {
    const raw = await rawRequest(
      'POST /v1/status/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12x\r\n\r\n{}',
    );
    expect(expectProblem(raw, 400).detail).toBe('malformed HTTP request: invalid Content-Length header');
    const twice = await rawRequest('POST /v1/status/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}');
    expectProblem(twice, 400);
  });

  it('headers over the limit, or a URL that long: 431, with nothing of the request echoed', async () => {
    const big = await rawRequest(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(20_000)}\r\n\r\n`);
    expect(expectProblem(big, 431).title).toBe('Request header fields too large');
    const longUrl = await rawRequest(`GET /v1/status/${CA}/${'A'.repeat(40_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expectProblem(longUrl, 431);
    expect(longUrl).not.toContain('AAAA');
    // under the limit the routes answer as ever (a 20 000-digit serial is a malformed serial)
    const res = await fetch(`${running.url}/v1/status/${CA}/${'A'.repeat(8_000)}`);
    expect([res.status, res.headers.get('content-type')]).toEqual([400, 'application/problem+json']);
  });

  it('a garbled request line: 400', async () => {
    expectProblem(await rawRequest('GE T / HTTP/1.1\r\n\r\n'), 400);
  });
});

describe('a client that closes mid-body', () => {
  const cases: [string, string][] = [
    [
      'JSON batch with a length',
      'POST /v1/status/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"items":[',
    ],
    [
      'JSON batch, chunked',
      'POST /v1/status/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"ite\r\n',
    ],
    [
      'NDJSON batch, answered while it streams',
      `POST /v1/status/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n${'{"issuer":"a"}\n'.slice(0, 16)}\r\n`,
    ],
    [
      'validate',
      'POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"certificate":"MII',
    ],
  ];

  it.each(cases)('%s: one info line, no error, no stack', async (_, request) => {
    const from = logLines.length;
    await rawRequest(request, 150);
    await until(
      () => logLines.slice(from).some((l) => (l.msg as string).startsWith('request') || (l.msg as string).startsWith('NDJSON')),
      'log',
    );
    // the NDJSON stream notices the closed connection on its next read
    await new Promise((r) => setTimeout(r, 150));
    const lines = logLines.slice(from);
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(JSON.stringify(lines)).not.toMatch(/unhandled error|"stack"/);
    expect(lines.filter((l) => (l.level as number) >= 30)).toHaveLength(1);
  });
});
