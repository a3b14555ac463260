/**
 * The API's one mapping from errors to problem+json (src/problem.ts problemFor, used by app.onError): a ProblemError as it says,
 * every other error of ours by its kind, anything else a 500 that names only the request to quote.
 */
import { Writable } from 'node:stream';
import { JpkiValidatorError } from '@jpki-validator/errors';
import { createCaRegistry, StatusResolver } from '@jpki-validator/status';
import { openEmbeddedStore, StoreError } from '@jpki-validator/store';
import { parseSerial } from '@jpki-validator/x509';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { ProblemError } from '../src/problem.js';

async function appThrowing(
  errors: Record<string, () => unknown>,
): Promise<{ fetch: (path: string) => Promise<Response>; logged: string[] }> {
  const logged: string[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  const store = await openEmbeddedStore();
  const resolver = new StatusResolver({ registry: await createCaRegistry([]), snapshots: store, ocsp: null, meaning: String });
  const { app } = createApp({ resolver, ocsp: null, probeStore: async () => true, logger });
  for (const [name, fn] of Object.entries(errors))
    app.get(`/boom/${name}`, () => {
      throw fn();
    });
  return { fetch: async (path) => app.request(path), logged };
}

const body = async (response: Response): Promise<unknown> => ({
  status: response.status,
  contentType: response.headers.get('content-type'),
  ...((await response.json()) as object),
});

describe('errors become problem+json in one place', () => {
  it('maps our errors by kind: usage 400, unavailable 503, internal 500 without its message', async () => {
    const { fetch, logged } = await appThrowing({
      usage: () => {
        try {
          parseSerial('not-hex');
        } catch (error) {
          return error;
        }
      },
      lock: () => new StoreError('LOCK_TIMEOUT', 'could not take the writer lock'),
      'other-package': () =>
        new (class AnyPackageError extends JpkiValidatorError<'X_LOCK_TIMEOUT'> {})('X_LOCK_TIMEOUT', 'unavailable', 'a lock'),
      internal: () => new StoreError('LOADER_CLOSED', 'secret internals'),
      bug: () => new TypeError('x is undefined'),
      problem: () => new ProblemError(429, 'rate-limited', 'slow down', { 'retry-after': '1' }),
    });
    expect(await body(await fetch('/boom/usage'))).toMatchObject({
      status: 400,
      contentType: 'application/problem+json',
      title: 'Bad request',
      detail: expect.stringContaining('not-hex') as unknown,
    });
    for (const path of ['/boom/lock', '/boom/other-package'])
      expect(await body(await fetch(path))).toMatchObject({
        status: 503,
        contentType: 'application/problem+json',
        title: 'Service unavailable',
        detail: expect.stringContaining('lock') as unknown,
      });
    for (const path of ['/boom/internal', '/boom/bug']) {
      const problem = (await body(await fetch(path))) as { status: number; detail: string; instance: string };
      expect(problem).toMatchObject({ status: 500, title: 'Internal error', contentType: 'application/problem+json' });
      expect(problem.detail).toMatch(/^internal error; quote request /);
      expect(problem.detail).not.toContain('secret');
    }
    // a bug is logged with its stack; a usage or unavailable error is the caller's answer, not a log line
    const unhandled = logged.filter((line) => line.includes('"unhandled error"'));
    expect(unhandled).toHaveLength(2);
    expect(unhandled.join('')).toContain('x is undefined');
    const limited = await fetch('/boom/problem');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '1']);
  });

  it('gives a ProblemError the kind of its status and its slug as the code', () => {
    const cases = [
      new ProblemError(404, 'issuer-unknown', 'x'),
      new ProblemError(503, 'unavailable', 'x'),
      new ProblemError(500, 'internal', 'x'),
    ];
    expect(cases.map((p) => [p instanceof JpkiValidatorError, p.code, p.kind])).toEqual([
      [true, 'issuer-unknown', 'usage'],
      [true, 'unavailable', 'unavailable'],
      [true, 'internal', 'internal'],
    ]);
  });
});
