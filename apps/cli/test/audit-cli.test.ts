/**
 * The audit history through the real binary on the embedded SQLite: `start` with `audit:` records what it answers; after it stops,
 * `audit export` writes it (CSV and JSON Lines, UTF-8 with BOM and CP932, filtered by time and serial), `audit delete` erases one
 * customer's records with an entry of its own, and `audit purge` applies a retention.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { initSimulator, type SimServer } from '@jpki-validator/sim';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, ensureBuilt } from './run-cli.js';

const CA = 'jpki-sign-2023';
const PURPOSE_JA = '本人確認';

let dir: string;
let server: SimServer;
let configFile: string;
let good: string;
let dead: string;
const requestIds: string[] = [];

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'jv-audit-cli-'));
  const sim = await initSimulator({ dir: join(dir, 'sim'), seed: 5, populationPerCa: 500, partitions: 1, generations: [2023] });
  server = await sim.serve({ port: 0 });
  await sim.setBaseUrl(server.url);
  good = (await sim.issueCertificate({ ca: CA })).serial;
  dead = (await sim.issueCertificate({ ca: CA })).serial;
  await sim.revoke({ ca: CA, serial: dead, reason: 'affiliationChanged' });
  configFile = join(dir, 'config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      issuers: [
        { id: CA, group: 'jpki-sign', caCert: sim.caCertificatePath(CA), crls: sim.partitionNames(CA).map((p) => sim.crlUrl(CA, p)) },
      ],
      dataDir: join(dir, 'data'),
      audit: {},
    }),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'warn' };
  delete env.REDIS_URL;
  delete env.AUDIT_DATABASE_URL;
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [BIN, 'start', '--config', configFile], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /validator on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`start exited ${code}: ${err}`)));
  });
  for (const [i, serial] of [good, dead, good, dead].entries()) {
    const id = `cli-${i}`;
    const res = await fetch(`${url}/v1/status/jpki-sign/${serial}?purpose=${encodeURIComponent(i < 2 ? PURPOSE_JA : 'death_check')}`, {
      headers: { 'x-request-id': id },
    });
    expect(res.status).toBe(200);
    requestIds.push(id);
  }
  // SIGTERM: the journal is shipped before the process ends
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 300_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]) => cli(['audit', ...args, '--config', configFile], { env: { ...process.env, AUDIT_DATABASE_URL: '' } });

describe('jpki-validator audit', () => {
  it('exports every answer, oldest first, as CSV in CP932 (Japanese purposes intact) and as JSON Lines with a UTF-8 BOM', async () => {
    const out = join(dir, 'audit.csv');
    const csv = await run(['export', '--output', out, '--encoding', 'cp932']);
    expect(csv.code).toBe(0);
    expect(csv.stderr).toMatch(/audit export: 4 records from sqlite /);
    const lines = iconv.decode(readFileSync(out), 'cp932').trimEnd().split('\n');
    expect(lines[0]).toBe(
      'id,at,requestId,apiKeyId,purpose,route,issuer,caId,serial,kind,medium,result,reason,meaning,method,crlNumber,ocspProducedAt,dataAgeSeconds,detail,signature,personalShown',
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(2, 6).concat(l.split(',').slice(8, 9), l.split(',').slice(11, 13)))).toEqual([
      ['cli-0', '', PURPOSE_JA, 'status', good, 'good', ''],
      ['cli-1', '', PURPOSE_JA, 'status', dead, 'revoked', 'affiliationChanged'],
      ['cli-2', '', 'death_check', 'status', good, 'good', ''],
      ['cli-3', '', 'death_check', 'status', dead, 'revoked', 'affiliationChanged'],
    ]);
    const jsonl = await run(['export', '--format', 'jsonl', '--bom', '--serial', `0x${dead.toLowerCase()}`]);
    expect(jsonl.code).toBe(0);
    expect(jsonl.stdout.startsWith('\uFEFF')).toBe(true);
    const rows = jsonl.stdout
      .slice(1)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => [r.requestId, r.method, r.meaning, r.kind])).toEqual([
      ['cli-1', 'crl', 'death_or_emigration', 'sign'],
      ['cli-3', 'crl', 'death_or_emigration', 'sign'],
    ]);
    const none = await run(['export', '--from', '2000-01-01', '--to', '2000-01-02']);
    expect(none.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect((await run(['export', '--from', 'yesterday'])).code).toBe(2);
    expect((await run(['export', '--encoding', 'latin9'])).code).toBe(2);
  });

  it("deletes one customer's records by serial and records the deletion, without the serials", async () => {
    const list = join(dir, 'serials.txt');
    await writeFile(list, `${dead.toLowerCase()}\n\n`);
    const deleted = await run(['delete', '--serials', list, '--reason', 'request 7']);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ deleted: 2, serials: 1 });
    const rows = (await run(['export', '--format', 'jsonl'])).stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => [r.route, r.serial])).toEqual([
      ['status', good],
      ['status', good],
      ['audit.delete', null],
    ]);
    expect(rows[2]).toMatchObject({ apiKeyId: 'cli', result: 'deleted' });
    expect(String(rows[2]?.detail)).toMatch(/^rows=2 serials=1 sha256=[0-9a-f]{64} reason=request 7$/);
    expect((await run(['delete'])).code).toBe(2);
    expect((await run(['delete', '--serial', 'not-hex'])).code).toBe(2);
  });

  it('purges by retention: nothing within it, everything past it', async () => {
    const kept = await run(['purge']);
    expect(kept.code).toBe(0);
    expect(JSON.parse(kept.stdout)).toMatchObject({ rows: 0, partitions: [] });
    const gone = await run(['purge', '--retention', '0d']);
    expect(JSON.parse(gone.stdout)).toMatchObject({ rows: 3 });
    expect((await run(['export'])).stdout.trimEnd().split('\n')).toHaveLength(1);
    expect((await run(['purge', '--retention', 'forever'])).code).toBe(2);
  });

  it('says the history is off when the config has no audit', async () => {
    const off = join(dir, 'off.json');
    await writeFile(off, JSON.stringify({ dataDir: join(dir, 'data') }));
    const r = await cli(['audit', 'export', '--config', off], { env: { ...process.env, AUDIT_DATABASE_URL: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the audit history is off/);
  });
});
