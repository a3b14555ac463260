/**
 * Watch-list imports, one case suite on every backend (embedded files, Redis, a real Redis Cluster): slots per customer and
 * issuer group, duplicates, all-or-nothing, and a re-import that writes only what changed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIssuerResolver, importWatchCsv, openEmbeddedWatch, type WatchRepository } from '../src/index.js';
import { BACKENDS, type Backend } from './helpers.js';

const resolve = createIssuerResolver([
  { id: 'jpki-sign-2023', group: 'jpki-sign', kind: 'sign' },
  { id: 'jpki-auth-2023', group: 'jpki-auth', kind: 'auth' },
]);
const HEADER = 'customerId,issuer,serial,notAfter';

async function* chunks(text: string): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += 4096) yield bytes.subarray(i, i + 4096);
}
const csv = (rows: readonly string[]) => chunks(`${[HEADER, ...rows].join('\n')}\n`);
const list = (n: number, serialOf = (i: number) => (0x1000 + i).toString(16)) =>
  Array.from({ length: n }, (_, i) => `C-${String(i).padStart(6, '0')},jpki-sign,${serialOf(i)},2031-01-01`);

/** what the backend's journal holds from `from` on */
async function journalLines(repo: WatchRepository, from: number): Promise<string[]> {
  const out: string[] = [];
  for await (const l of repo.backend.readJournal(from, await repo.backend.journalEnd())) out.push(l.text);
  return out;
}

describe.each(Object.keys(BACKENDS))('watch import on the %s backend', (kind) => {
  let backend: Backend;
  let repo: WatchRepository;

  beforeEach(async () => {
    backend = await (BACKENDS[kind] as () => Promise<Backend>)();
    repo = await backend.openRepo({ checkpointLines: 100 });
  });
  afterEach(async () => {
    await backend.close();
  });

  it('a customer with a signature and an authentication certificate has two rows; a second row of one group is an error naming both lines, and nothing is imported', async () => {
    const first = await importWatchCsv(repo, csv(['C-1,jpki-sign,10,', 'C-1,jpki-auth-2023,11,', 'C-2,jpki-auth,20,']), resolve);
    expect(first).toMatchObject({ rows: 3, added: 3, total: 3, kinds: { sign: 1, auth: 2, other: 0 } });
    expect((await repo.customer('C-1')).map((r) => [r.group, r.serial])).toEqual([
      ['jpki-sign', 0x10n],
      ['jpki-auth', 0x11n],
    ]);
    const clash = importWatchCsv(repo, csv(['C-3,jpki-sign,30,', 'C-2,jpki-sign,21,', 'C-3,jpki-sign-2023,31,']), resolve);
    await expect(clash).rejects.toMatchObject({ line: 4, field: 'customerId' });
    await expect(clash).rejects.toThrow(/customer "C-3" already has a jpki-sign certificate on line 2/);
    expect(await repo.summary()).toMatchObject({ rows: 3 });
    expect(await repo.customer('C-3')).toEqual([]);
  });

  it('a row repeated exactly is skipped and counted; the import goes on', async () => {
    const report = await importWatchCsv(repo, csv(['C-1,jpki-sign,10,', 'C-2,jpki-sign,20,', 'C-1,jpki-sign,10,']), resolve);
    expect(report).toMatchObject({ added: 2, duplicates: 1, duplicateLines: [[4, 2]], total: 2 });
  });

  it('an unknown issuer is an error naming line and field; without configured issuers every issuer is unknown', async () => {
    await expect(importWatchCsv(repo, csv(['C-1,jpki-sign,10,', 'C-2,someone-else,20,']), resolve)).rejects.toMatchObject({
      line: 3,
      field: 'issuer',
    });
    await expect(importWatchCsv(repo, csv(['C-1,jpki-sign,10,']), createIssuerResolver([]))).rejects.toThrow(
      /line 2, field issuer: .*no issuers are configured/,
    );
    expect(await repo.summary()).toMatchObject({ rows: 0 });
  });

  it('a re-import changing 1 % of the rows writes only those rows; a reopened list is the same', async () => {
    const rows = list(1000);
    expect(await importWatchCsv(repo, csv(rows), resolve)).toMatchObject({ added: 1000, stored: 'checkpoint' });
    const before = await repo.backend.journalEnd();
    // every 100th customer's certificate was reissued
    const changed = list(1000, (i) => (i % 100 === 0 ? (0x9000 + i).toString(16) : (0x1000 + i).toString(16)));
    const again = await importWatchCsv(repo, csv(changed), resolve);
    expect(again).toMatchObject({ added: 0, updated: 10, unchanged: 990, stored: 'journal' });
    const written = await journalLines(repo, before);
    expect(written).toHaveLength(12); // begin, 10 rows, commit
    expect(written.filter((l) => l.startsWith('{"t":"row"')).map((l) => (JSON.parse(l) as { r: number }).r)).toEqual(
      Array.from({ length: 10 }, (_, k) => k * 100),
    );
    // the same file once more: nothing at all is written
    const end = await repo.backend.journalEnd();
    expect(await importWatchCsv(repo, csv(changed), resolve)).toMatchObject({ unchanged: 1000, stored: 'nothing' });
    expect(await repo.backend.journalEnd()).toBe(end);
    const reopened = await backend.openRepo();
    expect(await reopened.summary()).toMatchObject({ rows: 1000, kinds: { sign: 1000 } });
    expect((await reopened.customer('C-000100'))[0]).toMatchObject({ serial: 0x9064n, notAfterMs: Date.UTC(2031, 0, 1) });
    expect((await reopened.customer('C-000101'))[0]).toMatchObject({ serial: 0x1065n });
  });

  it('a re-import in the stored order settles each row as the general way does (unchanged rows on their bytes)', async () => {
    const first = [
      'C-0,jpki-sign,10,2031-01-01',
      'C-1,jpki-sign,11,2031-01-01',
      'C-2,jpki-sign,12,',
      'C-3,jpki-sign,13,2031-01-01',
      'C-4,jpki-sign,1234567890ABCDEF,2031-01-01',
      'C-5,jpki-sign,15,2031-01-01',
      'C-6,jpki-sign,16,2031-01-01',
      'C-7,jpki-sign-2023,17,2031-01-01',
    ];
    expect(await importWatchCsv(repo, csv(first), resolve)).toMatchObject({ added: 8 });
    const again = [
      'C-0,jpki-sign,0x0010,2031-01-01', // the same serial written otherwise: unchanged
      'C-1,jpki-sign,11,2032-01-01', // notAfter changed
      'C-2,jpki-sign,12,2031-01-01', // notAfter added (the same bytes as the row before's, the stored value unknown)
      'C-3,jpki-sign,13,', // notAfter removed
      'C-4,jpki-sign,1234567890abcdef,2031-01-01', // a serial beyond the bitmap range, unchanged
      'C-6,jpki-sign,16,2031-01-01', // out of order: found by key, unchanged
      'C-7,jpki-sign,17,2031-01-01', // the issuer bytes of the row before, another issuer of the group than stored
      'C-5,jpki-sign-2023,15,2031-01-01', // another issuer of the group
      'C-0,jpki-sign,10,2031-01-01', // a repeat of line 2
    ];
    expect(await importWatchCsv(repo, csv(again), resolve)).toMatchObject({
      added: 0,
      updated: 5,
      unchanged: 3,
      duplicates: 1,
      duplicateLines: [[10, 2]],
    });
    for (const r of [repo, await backend.openRepo()]) {
      const one = async (id: string) => (await r.customer(id))[0];
      expect(await one('C-0')).toMatchObject({ issuer: 'jpki-sign', serial: 0x10n, notAfterMs: Date.UTC(2031, 0, 1) });
      expect(await one('C-1')).toMatchObject({ serial: 0x11n, notAfterMs: Date.UTC(2032, 0, 1) });
      expect(await one('C-2')).toMatchObject({ notAfterMs: Date.UTC(2031, 0, 1) });
      expect(await one('C-3')).toMatchObject({ serial: 0x13n, notAfterMs: null });
      expect(await one('C-4')).toMatchObject({ serial: 0x1234567890abcdefn });
      expect(await one('C-5')).toMatchObject({ issuer: 'jpki-sign-2023', serial: 0x15n });
      expect(await one('C-7')).toMatchObject({ issuer: 'jpki-sign', serial: 0x17n });
    }
  });

  it('all or nothing: a bad row after thousands of good ones leaves the stored list as it was', async () => {
    await importWatchCsv(repo, csv(list(500)), resolve);
    const bad = [...list(2000, (i) => (0x5000 + i).toString(16)), 'C-X,jpki-sign,not-hex,'];
    await expect(importWatchCsv(repo, csv(bad), resolve)).rejects.toMatchObject({ line: 2002, field: 'serial' });
    for (const r of [repo, await backend.openRepo()]) {
      expect(await r.summary()).toMatchObject({ rows: 500 });
      expect((await r.customer('C-000007'))[0]).toMatchObject({ serial: 0x1007n });
      expect(await r.customer('C-001999')).toEqual([]);
    }
  });

  it('another process’s import is seen by a repository already open', async () => {
    const other = await backend.openRepo();
    await importWatchCsv(repo, csv(['C-1,jpki-sign,10,']), resolve);
    expect(await other.customer('C-1')).toHaveLength(1);
    await importWatchCsv(other, csv(list(300)), resolve);
    expect(await repo.summary()).toMatchObject({ rows: 301 });
  });
});

describe('a watch directory of the earlier layout', () => {
  it('is refused with what to do, never read as an empty list (a pass would report nobody)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jv-old-watch-'));
    writeFileSync(join(dir, 'customers.jsonl'), '{"customerId":"C-1"}\n');
    const repo = await openEmbeddedWatch({ dir });
    await expect(repo.summary()).rejects.toThrow(/earlier layout.*import the list again/);
    await repo.close();
  });
});
