/**
 * Every entry point ends through the one mapping (@jpki-validator/errors exitCodeFor): the errors the packages really throw
 * pinned to their exit codes, and the entry points themselves — the CLI's commands and each service's main.ts — run as real
 * processes on a config whose CA certificate cannot be used.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '@jpki-validator/config';
import { loadTrustedCa } from '@jpki-validator/crl-fetcher';
import { exitCodeFor } from '@jpki-validator/errors';
import { createCaRegistry } from '@jpki-validator/status';
import { openEmbeddedStore, parseClusterUrl, StoreError } from '@jpki-validator/store';
import { openEmbeddedWatch, WatchError } from '@jpki-validator/watch';
import { parseCertificate, parseSerial } from '@jpki-validator/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, REPO } from './run-cli.js';

const execFileAsync = promisify(execFile);

let dir: string;
/** configs whose one issuer's caCert is missing, or is a file that is not a certificate */
let missingCa: string;
let garbageCa: string;

async function configWithCaCert(name: string, caCert: string): Promise<string> {
  const file = join(dir, `${name}.json`);
  const issuers = [{ id: 'jpki-sign-2023', group: 'jpki-sign', caCert, crls: [join(dir, 'none.crl')] }];
  await writeFile(file, JSON.stringify({ issuers, dataDir: join(dir, `${name}-data`) }));
  return file;
}

/** what a caught rejection was */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('it did not fail'),
    (error: unknown) => error,
  );
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return expect.unreachable('it did not throw');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jv-exit-codes-'));
  await writeFile(join(dir, 'garbage.pem'), 'not a certificate\n');
  missingCa = await configWithCaCert('missing', join(dir, 'no-such-ca.pem'));
  garbageCa = await configWithCaCert('garbage', join(dir, 'garbage.pem'));
  await ensureBuilt();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the errors packages throw, pinned to exit codes', () => {
  it('a lock another process holds is unavailable (3), for the store and the watch list', async () => {
    const data = join(dir, 'locked-store');
    const store = await openEmbeddedStore({ dataDir: data, lockTimeoutMs: 50, watch: false });
    // held by a live process: this one
    await writeFile(join(data, 'writer.lock'), `${process.pid} held-by-test`);
    const loader = await store.beginLoad({ caId: 'ca', partition: 'p', source: 'test' });
    const storeError = await rejection(loader.commit({ crlNumber: 1n, thisUpdateMs: 0, nextUpdateMs: 1, isDelta: false }));
    await store.close();
    expect(storeError).toMatchObject({ code: 'LOCK_TIMEOUT', kind: 'unavailable' });
    expect(exitCodeFor(storeError)).toBe(3);

    const watchDir = join(dir, 'locked-watch');
    const repo = await openEmbeddedWatch({ dir: watchDir, lockTimeoutMs: 50 });
    await writeFile(join(watchDir, 'writer.lock'), String(process.pid));
    const watchError = await rejection(repo.write(async () => undefined));
    await repo.close();
    expect(watchError).toMatchObject({ code: 'WATCH_LOCK_TIMEOUT', kind: 'unavailable' });
    expect(exitCodeFor(watchError)).toBe(3);
  });

  it('a CA certificate that cannot be used is a usage error (2), wherever it is read', async () => {
    for (const caCert of [join(dir, 'no-such-ca.pem'), join(dir, 'garbage.pem')]) {
      const issuer = {
        id: 'x',
        group: 'g',
        caCertPath: caCert,
        partitions: [],
        ocsp: null,
        fetch: { concurrency: 1, attempts: 1, backoffMs: 0 },
      } as const;
      const registryError = await rejection(
        createCaRegistry([
          {
            ...issuer,
            refresh: { intervalMs: 1 },
            freshness: { graceSeconds: 0, skewSeconds: 0 },
            mode: 'crl-first',
            retired: false,
            kind: null,
          },
        ]),
      );
      expect(registryError).toMatchObject({ code: 'CA_CERT_INVALID', kind: 'usage' });
      expect(exitCodeFor(registryError)).toBe(2);
      const fetcherError = await rejection(
        loadTrustedCa({
          ...issuer,
          refresh: { intervalMs: 1 },
          freshness: { graceSeconds: 0, skewSeconds: 0 },
          mode: 'crl-first',
          retired: false,
          kind: null,
        }),
      );
      expect(exitCodeFor(fetcherError)).toBe(2);
    }
  });

  it('bad input to the engine, the config or REDIS_URL is a usage error (2); a bug is internal (70)', () => {
    expect(exitCodeFor(caught(() => parseSerial('xyz')))).toBe(2);
    expect(exitCodeFor(caught(() => parseCertificate(new Uint8Array([0x30, 0x03, 0x02]))))).toBe(2);
    expect(exitCodeFor(new ConfigError('c.yaml', ['issuers: Required']))).toBe(2);
    expect(exitCodeFor(caught(() => parseClusterUrl('redis+cluster://host:99999')))).toBe(2);
    expect(exitCodeFor(new WatchError('WATCH_ROW_INVALID', 'line 2'))).toBe(2);
    expect(exitCodeFor(new StoreError('LOADER_CLOSED', 'commit() twice'))).toBe(70);
    expect(exitCodeFor(new TypeError('undefined is not a function'))).toBe(70);
  });
});

describe('entry points end with the mapped code and no stack for a config fault', () => {
  const noStack = (stderr: string): void => expect(stderr).not.toMatch(/\n\s+at /);

  it.each([
    ['missing', () => missingCa, 'no-such-ca.pem'],
    ['not a certificate', () => garbageCa, 'garbage.pem'],
  ])('caCert %s: `serve` and `fetch --once` both exit 2, naming the file', async (_what, config, file) => {
    const serve = await cli(['serve', '--port', '0', '--config', config()]);
    expect([serve.code, serve.stderr]).toEqual([2, expect.stringContaining(file) as unknown]);
    noStack(serve.stderr);
    const fetch = await cli(['fetch', '--once', '--config', config()]);
    expect([fetch.code, fetch.stderr]).toEqual([2, expect.stringContaining(file) as unknown]);
    noStack(fetch.stderr);
  });

  it("each service's main.ts exits 2 on the same config", async () => {
    for (const main of ['services/validator/dist/main.js', 'services/crl-fetcher/dist/main.js']) {
      const { REDIS_URL: _redis, ...env } = process.env;
      const result = await execFileAsync(process.execPath, [join(REPO, main)], {
        env: { ...env, JPKI_VALIDATOR_CONFIG: missingCa, PORT: '0' },
      }).then(
        () => ({ code: 0, stderr: '', stdout: '' }),
        (e: { code: number; stderr: string; stdout: string }) => e,
      );
      expect([main, result.code]).toEqual([main, 2]);
      expect(`${result.stdout}${result.stderr}`).toContain('no-such-ca.pem');
    }
  });
});
