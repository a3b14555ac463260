import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'jv-audit-config-'));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('the audit config', () => {
  it('is off by default (the demo) and with enabled: false, even with AUDIT_DATABASE_URL', () => {
    expect(loadConfig({ env: {}, cwd: dir }).audit).toBeNull();
    const off = write('off.yaml', 'audit: { enabled: false }\n');
    expect(loadConfig({ file: off, env: { AUDIT_DATABASE_URL: 'postgres://h/db' }, cwd: dir }).audit).toBeNull();
  });

  it('is on with `audit:` (SQLite in the data directory, 7y, 24h) or with AUDIT_DATABASE_URL alone (PostgreSQL)', () => {
    const on = write('on.yaml', 'audit: {}\ndataDir: data\n');
    expect(loadConfig({ file: on, env: {}, cwd: dir }).audit).toEqual({
      database: { kind: 'sqlite', path: join(dir, 'data', 'audit', 'audit.sqlite') },
      journalDir: join(dir, 'data', 'audit', 'journal'),
      purposes: null,
      requirePurpose: false,
      retention: '7y',
      purgeEveryMs: 86_400_000,
    });
    const env = loadConfig({ env: { AUDIT_DATABASE_URL: 'postgres://u@h:5432/db' }, cwd: dir }).audit;
    expect(env?.database).toEqual({ kind: 'postgres', url: 'postgres://u@h:5432/db', schema: 'jpki_audit' });
  });

  it('takes purposes, schema, retention and the purge interval; names each bad key', () => {
    const file = write(
      'full.yaml',
      'audit:\n  database: postgres://h/db\n  schema: audit_a\n  purposes: [kyc_onboarding]\n  requirePurpose: true\n  retention: 18mo\n  purgeEvery: 6h\n',
    );
    const audit = loadConfig({ file, env: {}, cwd: dir }).audit;
    expect(audit).toMatchObject({ purposes: ['kyc_onboarding'], requirePurpose: true, retention: '18mo', purgeEveryMs: 21_600_000 });
    expect(audit?.database).toEqual({ kind: 'postgres', url: 'postgres://h/db', schema: 'audit_a' });
    const bad = write('bad.yaml', 'audit:\n  database: mysql://h/db\n  retention: seven years\n  purposes: ["has space"]\n  extra: 1\n');
    let problems = '';
    try {
      loadConfig({ file: bad, env: {}, cwd: dir });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems.join('\n');
    }
    expect(problems).toMatch(/audit\.database: a postgres:\/\/ URL/);
    expect(problems).toMatch(/audit\.retention: a retention such as "7y"/);
    expect(problems).toMatch(/audit\.purposes\.0: 1–64 printable ASCII/);
    expect(problems).toMatch(/audit: Unrecognized key/);
  });
});
