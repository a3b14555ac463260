/**
 * Nothing lost, nothing twice: the real binary (`start`, then `serve`) under load with its audit history on a PRIVATE PostgreSQL
 * cluster (initdb/pg_ctl on a port of its own — the machine's shared server is never touched). PostgreSQL is crashed mid-load
 * (immediate shutdown: every connection cut, transactions in flight lost) and started again; later it is crashed again and the
 * validator itself is SIGKILLed while records wait in its journal; a new validator on the same data directory adopts that
 * journal. Every request must then have exactly its rows — one per status GET, one per batch item — none missing, none twice.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { type PrivatePostgres, startPrivatePostgres } from '@jpki-validator/audit/testing';
import { initSimulator, type SimServer } from '@jpki-validator/sim';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from './run-cli.js';

const CA = 'jpki-sign-2023';
const BATCH_ITEMS = 5;

let dir: string;
let server: SimServer;
let postgres: PrivatePostgres;
let configFile: string;
let serials: string[];

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'jv-audit-fault-'));
  postgres = await startPrivatePostgres();
  const sim = await initSimulator({ dir: join(dir, 'sim'), seed: 3, populationPerCa: 1_000, partitions: 1, generations: [2023] });
  server = await sim.serve({ port: 0 });
  await sim.setBaseUrl(server.url);
  serials = [];
  for (let i = 0; i < 4; i++) serials.push((await sim.issueCertificate({ ca: CA })).serial);
  await sim.revoke({ ca: CA, serial: serials[1] as string, reason: 'affiliationChanged' });
  configFile = join(dir, 'config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      issuers: [
        { id: CA, group: 'jpki-sign', caCert: sim.caCertificatePath(CA), crls: sim.partitionNames(CA).map((p) => sim.crlUrl(CA, p)) },
      ],
      dataDir: join(dir, 'data'),
      audit: { schema: 'audit_fault' },
    }),
  );
}, 300_000);

afterAll(async () => {
  await server?.close();
  postgres?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Validator {
  child: ChildProcessByStdio<null, Readable, Readable>;
  url: string;
  stderr(): string;
}

async function launch(command: 'start' | 'serve'): Promise<Validator> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'warn', AUDIT_DATABASE_URL: postgres.url };
  delete env.REDIS_URL;
  const child = spawn(process.execPath, [BIN, command, '--config', configFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /(?:validator on|serve: validator on) (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`${command} exited ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err };
}

/** sends `count` requests, `concurrency` at a time: status GETs and batches, each with its own request id; every answer must be a 200 */
async function load(v: Validator, prefix: string, count: number, onProgress?: (done: number) => void): Promise<Map<string, number>> {
  const expected = new Map<string, number>();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const id = `${prefix}-${i}`;
      const serial = serials[i % serials.length] as string;
      let res: Response;
      if (i % 4 === 3) {
        const items = Array.from({ length: BATCH_ITEMS }, (_, k) => ({ issuer: 'jpki-sign', serial: serials[(i + k) % serials.length] }));
        res = await fetch(`${v.url}/v1/status/batch?purpose=death_check`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id },
          body: JSON.stringify({ items }),
        });
        expected.set(id, BATCH_ITEMS);
      } else {
        res = await fetch(`${v.url}/v1/status/${CA}/${serial}?purpose=liveness_check`, { headers: { 'x-request-id': id } });
        expected.set(id, 1);
      }
      if (res.status !== 200) throw new Error(`${id}: HTTP ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return expected;
}

async function rowsPerRequest(): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const r = await client.query<{ request_id: string; n: number }>(
      'SELECT request_id, count(*)::int AS n FROM audit_fault.audit_records GROUP BY request_id',
    );
    return new Map(r.rows.map((row) => [row.request_id, row.n]));
  } finally {
    await client.end();
  }
}

/** waits until the database holds at least `total` rows (the shipper retries with backoff after an outage) */
async function shipped(total: number, timeoutMs: number): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let rows = new Map<string, number>();
    try {
      rows = await rowsPerRequest();
    } catch {
      // the schema is made by the first shipper to reach the database
    }
    const n = [...rows.values()].reduce((a, b) => a + b, 0);
    if (n >= total || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** every request has exactly its rows; on a failure the rows of the requests at fault are shown */
async function expectExactly(expected: Map<string, number>, rows: Map<string, number>): Promise<void> {
  const missing = [...expected].filter(([id, n]) => (rows.get(id) ?? 0) < n).map(([id]) => id);
  const twice = [...rows].filter(([id, n]) => n > (expected.get(id) ?? 0)).map(([id]) => id);
  let offenders: unknown[] = [];
  if (missing.length + twice.length > 0) {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const ids = [...missing, ...twice].slice(0, 20);
    offenders = (
      await client.query('SELECT request_id, serial, at, id FROM audit_fault.audit_records WHERE request_id = ANY($1) ORDER BY id', [ids])
    ).rows;
    await client.end();
  }
  expect({ missing: missing.slice(0, 10), twice: twice.slice(0, 10), requests: rows.size, offenders }).toEqual({
    missing: [],
    twice: [],
    requests: expected.size,
    offenders: [],
  });
}

describe('the audit history when PostgreSQL (and the validator) die mid-load', () => {
  it('keeps every answer exactly once through a database crash, and through a SIGKILL of the validator while the database is down', async () => {
    const first = await launch('start');
    let crashed = false;
    let restarted = false;
    const count = 1_500;
    const expected = await load(first, 'a', count, (done) => {
      // mid-load: the database crashes at a third, comes back at two thirds, while requests keep coming
      if (!crashed && done >= count / 3) {
        crashed = true;
        postgres.crash();
      } else if (!restarted && done >= (2 * count) / 3) {
        restarted = true;
        postgres.start();
      }
    });
    expect([crashed, restarted]).toEqual([true, true]);
    const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    await expectExactly(expected, await shipped(total(expected), 30_000));

    // the database goes again; answers keep coming, and their records wait in the journal when the validator is killed
    postgres.crash();
    const more = await load(first, 'b', 200);
    await new Promise((r) => setTimeout(r, 50)); // past the turn of the last answer: its block is written
    const killed = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await killed;
    postgres.start();
    // a new validator on the same data directory adopts the dead one's journal
    const second = await launch('serve');
    try {
      for (const [id, n] of more) expected.set(id, n);
      await expectExactly(expected, await shipped(total(expected), 30_000));
    } finally {
      const exited = new Promise((resolve) => second.child.once('exit', resolve));
      second.child.kill('SIGTERM');
      await exited;
    }
  });
});
