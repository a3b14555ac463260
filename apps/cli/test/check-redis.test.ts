/**
 * `check --redis` against a real Redis (random key prefix, cleaned afterwards): the CRLs go in through the fetcher's ingest, the
 * binary answers from the store; and `check` over a generated 1 M-row file offline, streamed file to file.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { createSource, ingestCrl, loadTrustedCa } from '@jpki-validator/crl-fetcher';
import { createRedisStore } from '@jpki-validator/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlSlot, DEFAULT_FETCH_TUNING } from '@jpki-validator/config';
import { buildCli, createCheckFixture, hex, plainCsv, runCli, type CheckFixture } from './check-fixture.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
let fx: CheckFixture;
let redis: Redis;
const prefix = `test-check-${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  await buildCli();
  fx = await createCheckFixture();
  redis = new Redis(REDIS_URL);
  const store = createRedisStore({ redis, prefix });
  for (const [id, caCert, crl] of [
    ['jpki-sign-2015', fx.ca2015, fx.crl2015],
    ['jpki-sign-2023', fx.ca2023, fx.crl2023],
  ] as const) {
    const ca = await loadTrustedCa({
      id,
      group: 'jpki-sign',
      caCertPath: caCert,
      partitions: [],
      fetch: { ...DEFAULT_FETCH_TUNING },
      ocsp: null,
      refresh: { intervalMs: 60_000 },
      freshness: { graceSeconds: 0, skewSeconds: 300 },
      mode: 'crl-only',
      retired: false,
      kind: null,
    });
    const result = await ingestCrl({
      store,
      ca,
      partition: crlSlot({ name: 'full', source: crl, scope: 'full' }),
      source: createSource(crl),
      skewSeconds: 300,
    });
    expect(result.outcome).toBe('loaded');
  }
  await store.close();
});

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
  await fx.close();
});

describe('check --redis', () => {
  it('answers every serial exactly as the simulator does', async () => {
    const rows: Array<[string, string]> = [];
    for (let i = 0; i < fx.population; i++) rows.push(['jpki-sign-2015', hex(fx.base2015 + i)], ['jpki-sign-2023', hex(fx.base2023 + i)]);
    const input = `serial,issuer\n${rows.map(([ca, s], i) => `${s},${i % 2 === 0 ? ca : 'jpki-sign'}`).join('\n')}\n`;
    const run = await runCli(['check', '--redis', REDIS_URL, '--redis-prefix', prefix, '--ca', fx.ca2015, fx.ca2023], {
      cwd: fx.dir,
      stdin: input,
    });
    expect(run.stderr).toContain(`check: ${rows.length} rows`);
    expect(run.code).toBe(0);
    const out = plainCsv(run.stdout);
    rows.forEach(([ca, serial], i) => {
      const expected = fx.sim.status(ca, serial);
      expect([out[i]?.serial, out[i]?.status, out[i]?.reason || null]).toEqual([serial, expected.status, expected.reason]);
      expect(out[i]?.crlNumber).toMatch(/^\d+$/);
    });
  });

  it('a CA the store has no data for is unknown / issuer_not_loaded, and exit 3 when that is every answer', async () => {
    const run = await runCli(['check', '--redis', REDIS_URL, '--redis-prefix', `${prefix}-empty`, '--ca', fx.ca2023], {
      cwd: fx.dir,
      stdin: `serial\n${hex(fx.base2023)}\n`,
    });
    expect(run.code).toBe(3);
    expect(plainCsv(run.stdout)[0]).toMatchObject({ status: 'unknown', detail: 'issuer_not_loaded' });
  });

  it('exits 3 when Redis cannot be reached', async () => {
    const run = await runCli(['check', '--redis', 'redis://127.0.0.1:1', '--ca', fx.ca2023], { cwd: fx.dir, stdin: 'serial\n1\n' });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('unavailable');
  });
});

describe('check over a 1 M-row file', () => {
  it('streams file to file in input order with the simulator’s answers', async () => {
    const rows = 1_000_000;
    const inputPath = join(fx.dir, 'million.csv');
    const file = createWriteStream(inputPath);
    file.write('id,serial,region\n');
    for (let start = 0; start < rows; start += 10_000) {
      let chunk = '';
      for (let i = start; i < start + 10_000; i++) chunk += `${i},${hex(fx.base2023 + (i % fx.population))},r${i % 47}\n`;
      if (!file.write(chunk)) await once(file, 'drain');
    }
    file.end();
    await once(file, 'finish');

    const run = await runCli(['check', '--input', 'million.csv', '--output', 'million-out.csv', '--crl', fx.crl2023, '--ca', fx.ca2023], {
      cwd: fx.dir,
    });
    expect(run.code).toBe(0);
    const expected = Array.from({ length: fx.population }, (_, k) => fx.sim.status('jpki-sign-2023', hex(fx.base2023 + k)).status);
    const revokedPerCycle = expected.filter((s) => s === 'revoked').length;
    const fullCycles = Math.floor(rows / fx.population);
    const tail = expected.slice(0, rows % fx.population).filter((s) => s === 'revoked').length;
    expect(run.stderr).toContain(`check: ${rows} rows`);
    expect(run.stderr).toContain(`revoked ${revokedPerCycle * fullCycles + tail}`);

    const out = await readFile(join(fx.dir, 'million-out.csv'), 'utf8');
    const lines = out.split('\n');
    expect(lines).toHaveLength(rows + 2); // header + rows + the empty string after the last newline
    for (const i of [0, 1, 2999, 3000, 123_456, rows - 1]) {
      const [id, serial, region, status] = (lines[i + 1] ?? '').split(',');
      expect([id, serial, region, status]).toEqual([
        String(i),
        hex(fx.base2023 + (i % fx.population)),
        `r${i % 47}`,
        expected[i % fx.population],
      ]);
    }
  });
});
