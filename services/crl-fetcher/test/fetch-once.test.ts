import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator, SimServer } from '@jpki-validator/sim';
import { openEmbeddedStore } from '@jpki-validator/store';
import { FETCH_EXIT, fetchOnce, type PartitionReport } from '../src/index.js';
import { CA_ID, issuerConfig, smallSimulator } from './helpers.js';
import { memoryLogger } from './queue-helpers.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(repoRoot, 'apps/cli/bin/jpki-validator.js');

let sim: Simulator;
let dir: string;
let server: SimServer;

beforeAll(async () => {
  ({ sim, dir } = await smallSimulator());
  server = await sim.serve({ port: 0, host: '127.0.0.1' });
  await sim.setBaseUrl(server.url);
});
afterAll(async () => {
  await server.close();
});

describe('fetchOnce (in process, embedded store)', () => {
  it('loads every partition and reports each; a CA certificate that cannot be used is exit 2; nothing loadable is exit 3', async () => {
    const [p0, p1] = sim.partitionNames(CA_ID) as [string, string];
    const store = await openEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'jv-once-')), watch: false });
    const { logger, lines } = memoryLogger();
    try {
      const issuer = issuerConfig(sim, [
        { name: p0, source: sim.crlUrl(CA_ID, p0) },
        { name: p1, source: sim.crlUrl(CA_ID, p1) },
      ]);
      const ok = await fetchOnce({ issuers: [issuer] }, store, logger);
      expect(ok.exitCode).toBe(FETCH_EXIT.OK);
      expect(ok.reports.map((r) => [r.partition, r.outcome])).toEqual([
        [p0, 'loaded'],
        [p1, 'loaded'],
      ]);

      const badCa = { ...issuer, id: 'broken-ca', caCertPath: join(dir, 'no-such-ca.pem') };
      const config = await fetchOnce({ issuers: [issuer, badCa] }, store, logger);
      expect(config.exitCode).toBe(FETCH_EXIT.CONFIG);
      expect(config.reports.filter((r) => r.caId === 'broken-ca').map((r) => r.reason)).toEqual(['CONFIG_INVALID', 'CONFIG_INVALID']);

      const forged = join(dir, `forged-once-${Date.now()}.crl`);
      await sim.writeCrl({ ca: CA_ID, out: forged, corruptSignature: true });
      const none = await fetchOnce(
        {
          issuers: [
            issuerConfig(sim, [
              { name: 'forged', source: forged },
              { name: 'missing', source: join(dir, 'missing.crl') },
            ]),
          ],
        },
        store,
        logger,
      );
      expect(none.exitCode).toBe(FETCH_EXIT.UNAVAILABLE);
      expect(none.reports.map((r: PartitionReport) => [r.outcome, r.reason])).toEqual([
        ['rejected', 'signature'],
        ['failed', 'FETCH_NOT_FOUND'],
      ]);
      expect(
        lines()
          .filter((l) => l.msg === 'CRL rejected; the previous generation keeps serving')
          .map((l) => l.reason),
      ).toEqual(['signature']);
    } finally {
      await store.close();
    }
  });
});

describe('jpki-validator fetch --once (the real CLI binary)', () => {
  beforeAll(async () => {
    await promisify(execFile)(
      join(repoRoot, 'node_modules/.bin/tsc'),
      ['-b', join(repoRoot, 'services/crl-fetcher'), join(repoRoot, 'apps/cli')],
      { cwd: repoRoot },
    );
  }, 180_000);

  const run = (args: string[], env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, ...args], { env, cwd: dir }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
    });

  it('loads into the embedded store in the data directory; a second run costs one conditional GET per CRL (304) and loads nothing', async () => {
    const [p0, p1] = sim.partitionNames(CA_ID) as [string, string];
    const dataDir = mkdtempSync(join(tmpdir(), 'jv-cli-data-'));
    const configFile = join(dir, 'fetch-config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        issuers: [
          {
            id: CA_ID,
            group: 'jpki-sign',
            caCert: sim.caCertificatePath(CA_ID),
            crls: [sim.crlUrl(CA_ID, p0), sim.crlUrl(CA_ID, p1)],
            refresh: '1h',
          },
        ],
        dataDir,
      }),
    );
    const { REDIS_URL: _omit, ...env } = process.env;
    const first = await run(['fetch', '--once', '--config', configFile], env);
    expect(first.stderr).toMatch(/2 partitions: 2 loaded/);
    expect(first.code).toBe(0);
    const reports = first.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as PartitionReport);
    expect(reports.map((r) => r.outcome)).toEqual(['loaded', 'loaded']);

    const store = await openEmbeddedStore({ dataDir, watch: false });
    try {
      expect((await store.partitions(CA_ID)).map((m) => m.crlNumber.toString()).sort()).toEqual(reports.map((r) => r.crlNumber).sort());
    } finally {
      await store.close();
    }
    const second = await run(['fetch', '--once', '--config', configFile], env);
    expect(second.code).toBe(0);
    expect(
      second.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as PartitionReport).outcome),
    ).toEqual(['not-modified', 'not-modified']);

    const bad = await run(['fetch', '--once', '--config', join(dir, 'no-such-config.json')], env);
    expect(bad.code).toBe(2);
  });
});
