/** Test helpers: a journal writer fed with made-up answers, and the databases the suites run against. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ItemFields, type JournalWriter } from '../src/index.js';
import type { AuditDatabase } from '../src/sink/open-sink.js';
import { startPrivatePostgres } from '../src/testing/private-postgres.js';

/**
 * The PostgreSQL the suites use: AUDIT_TEST_DATABASE_URL when set (e.g. the machine's own server), else a private cluster of this
 * test file's own (initdb/pg_ctl: CI needs only PostgreSQL's binaries, nothing answering on 5432). Each test takes a schema of its
 * own inside it and drops it after.
 */
export async function testPostgres(): Promise<{ url: string; stop(): void }> {
  const given = process.env.AUDIT_TEST_DATABASE_URL;
  if (given) return { url: given, stop: () => undefined };
  const cluster = await startPrivatePostgres();
  return { url: cluster.url, stop: () => cluster.destroy() };
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'jpki-audit-'));

export const testSchema = (): string => `audit_test_${randomBytes(5).toString('hex')}`;

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export function databaseFor(kind: 'sqlite' | 'postgres', dir: string, url = ''): AuditDatabase {
  return kind === 'sqlite' ? { kind, path: join(dir, 'audit.sqlite') } : { kind, url, schema: testSchema() };
}

export interface FakeAnswer {
  issuer: string;
  caId: string | null;
  serial: string;
  result: string;
  reason?: string | null;
  method?: string | null;
  crlNumber?: string | null;
  dataFromMs?: number;
}

/** writes one request with its answers, as the validator does */
export function writeRequest(
  writer: JournalWriter,
  atMs: number,
  requestId: string,
  answers: readonly FakeAnswer[],
  extra: { apiKeyId?: string; purpose?: string; route?: string } = {},
): void {
  writer.request(
    atMs,
    requestId,
    writer.code(extra.apiKeyId ?? null),
    writer.code(extra.purpose ?? null),
    writer.code(extra.route ?? 'status'),
  );
  const f = new ItemFields();
  for (const a of answers) {
    f.reset();
    f.issuer = writer.code(a.issuer);
    f.caId = writer.code(a.caId);
    f.result = writer.code(a.result);
    f.reason = writer.code(a.reason ?? null);
    f.method = writer.code(a.method === undefined ? 'crl' : a.method);
    f.crlNumber = writer.code(a.crlNumber === undefined ? '7' : a.crlNumber);
    f.kind = writer.code('sign');
    f.dataFromMs = a.dataFromMs ?? atMs - 3_600_000;
    const value = /^[0-9A-F]{1,13}$/.test(a.serial) ? Number.parseInt(a.serial, 16) : -1;
    writer.item(f, value, a.serial);
  }
}
