/**
 * One case suite for every audit database (hono's common.case pattern): journal → shipper → rows, exactly once, with paging,
 * filters, deletion and retention. Run by sqlite.test.ts and postgres.test.ts.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditError, ItemFields, JournalShipper, JournalWriter, openAuditSink, type AuditSink, type NewAuditRow } from '../src/index.js';
import type { AuditDatabase } from '../src/sink/open-sink.js';
import { tempDir, writeRequest } from './helpers.js';

export interface StoreCaseContext {
  /** a fresh database (its own schema or file) per test */
  database(dir: string): AuditDatabase;
  cleanup(database: AuditDatabase): Promise<void>;
}

const T0 = Date.UTC(2026, 10, 30, 23, 59, 0); // the end of November: the rows fall in two months

export function runAuditStoreCases(name: string, ctx: StoreCaseContext): void {
  describe(`audit store: ${name}`, () => {
    let dir: string;
    let database: AuditDatabase;
    let sink: AuditSink;
    let writer: JournalWriter;
    let published: BigInt64Array;
    let shipper: JournalShipper;

    beforeEach(async () => {
      dir = tempDir();
      database = ctx.database(dir);
      sink = openAuditSink(database);
      await sink.migrate();
      published = new BigInt64Array(new SharedArrayBuffer(8));
      writer = new JournalWriter({ dir: join(dir, 'journal', 'aaaaaaaaaaaaaaaa'), published, bufferBytes: 4096 });
      shipper = new JournalShipper({ sink, root: join(dir, 'journal'), own: { id: 'aaaaaaaaaaaaaaaa', published }, batchRows: 50 });
    });

    afterEach(async () => {
      writer.close();
      shipper.close();
      await sink.close();
      await ctx.cleanup(database);
    });

    it('ships batch items written as templates, across blocks and a shipper that resumes mid-segment, each as its own row', async () => {
      writer.request(T0, 'req-batch', writer.code('ab12cd34'), writer.code('death_check'), writer.code('batch'));
      const f = new ItemFields();
      f.issuer = writer.code('jpki-sign');
      f.caId = writer.code('jpki-sign-2023');
      f.result = writer.code('good');
      f.method = writer.code('crl');
      f.crlNumber = writer.code('7');
      f.kind = writer.code('sign');
      f.dataFromMs = T0 - 3_600_000;
      const good = writer.template(f);
      f.result = writer.code('revoked');
      f.reason = writer.code('affiliationChanged');
      const revoked = writer.template(f);
      expect([good, revoked]).toEqual([1, 2]);
      // 400 items of 11 bytes in 4 KiB blocks: the templates are in the first block, most items in later ones
      for (let i = 0; i < 400; i++) writer.itemOf(i % 5 === 0 ? revoked : good, i + 1, '');
      writer.itemOf(good, -1, 'x-1');
      writer.flush();
      expect(await shipper.drain(10_000)).toBe(true);
      // a new shipper reads the segment from its start for the templates, then ships only what follows its cursor
      shipper.close();
      shipper = new JournalShipper({ sink, root: join(dir, 'journal'), own: { id: 'aaaaaaaaaaaaaaaa', published }, batchRows: 50 });
      writer.request(T0 + 1_000, 'req-later', 0, writer.code('death_check'), writer.code('batch'));
      writer.itemOf(revoked, 0xffff, '');
      writer.flush();
      expect(await shipper.drain(10_000)).toBe(true);
      const { rows } = await sink.query({ limit: 1000, order: 'asc' });
      expect(rows).toHaveLength(402);
      expect(new Set(rows.map((r) => r.id)).size).toBe(402);
      expect(rows.filter((r) => r.result === 'revoked').map((r) => r.serial)).toEqual([
        ...Array.from({ length: 80 }, (_, k) => (k * 5 + 1).toString(16).toUpperCase()),
        'FFFF',
      ]);
      expect(rows[1]).toMatchObject({
        requestId: 'req-batch',
        apiKeyId: 'ab12cd34',
        purpose: 'death_check',
        route: 'batch',
        issuer: 'jpki-sign',
        caId: 'jpki-sign-2023',
        serial: '2',
        result: 'good',
        reason: null,
        method: 'crl',
        crlNumber: '7',
        kind: 'sign',
        dataAgeSeconds: 3600,
      });
      expect(rows[400]).toMatchObject({ requestId: 'req-batch', serial: 'x-1', result: 'good' });
      expect(rows[401]).toMatchObject({ requestId: 'req-later', apiKeyId: null, serial: 'FFFF', reason: 'affiliationChanged' });
    });

    it('keeps every field as written: non-ASCII text, OCSP producedAt, a verify verdict, nulls, a serial given as text', async () => {
      const purpose = '本人確認（口座開設）';
      writer.request(T0 + 1_500, 'req-fields', writer.code('ab12cd34'), writer.code(purpose), writer.code('verify'));
      const f = new ItemFields();
      f.issuer = writer.code('jpki-sign');
      f.caId = writer.code('jpki-sign-2023');
      f.result = writer.code('valid');
      f.method = writer.code('ocsp');
      f.detail = writer.code('応答: 正常');
      f.kind = writer.code('sign');
      f.medium = writer.code('smartphone');
      f.signature = writer.code('valid');
      f.personalShown = 2;
      f.dataFromMs = T0 - 61_250;
      writer.item(f, 0xabc, '');
      f.reset();
      f.issuer = writer.code('no such issuer');
      f.result = writer.code('unknown');
      f.personalShown = 1;
      writer.item(f, -1, 'not-hex!');
      writer.flush();
      expect(await shipper.drain(10_000)).toBe(true);
      const { rows } = await sink.query({ limit: 10, order: 'asc' });
      expect(rows.map(({ id: _id, ...rest }) => rest)).toEqual([
        {
          at: new Date(T0 + 1_500).toISOString(),
          requestId: 'req-fields',
          apiKeyId: 'ab12cd34',
          purpose,
          route: 'verify',
          issuer: 'jpki-sign',
          caId: 'jpki-sign-2023',
          serial: 'ABC',
          kind: 'sign',
          medium: 'smartphone',
          result: 'valid',
          reason: null,
          meaning: null,
          method: 'ocsp',
          crlNumber: null,
          ocspProducedAt: new Date(T0 - 61_250).toISOString(),
          dataAgeSeconds: 62,
          detail: '応答: 正常',
          signature: 'valid',
          personalShown: true,
        },
        {
          at: new Date(T0 + 1_500).toISOString(),
          requestId: 'req-fields',
          apiKeyId: 'ab12cd34',
          purpose,
          route: 'verify',
          issuer: 'no such issuer',
          caId: null,
          serial: 'not-hex!',
          kind: null,
          medium: null,
          result: 'unknown',
          reason: null,
          meaning: null,
          method: null,
          crlNumber: null,
          ocspProducedAt: null,
          dataAgeSeconds: null,
          detail: null,
          signature: null,
          personalShown: false,
        },
      ]);
      expect((await sink.query({ purpose, limit: 10 })).rows).toHaveLength(2);
    });

    it('ships every answer once, with its request, key, purpose and data age; migrations run twice change nothing', async () => {
      await sink.migrate();
      for (let r = 0; r < 30; r++) {
        writeRequest(
          writer,
          T0 + r * 10_000,
          `req-${r}`,
          Array.from({ length: 10 }, (_, i) => ({
            issuer: 'jpki-sign',
            caId: 'jpki-sign-2023',
            serial: (r * 10 + i + 1).toString(16).toUpperCase(),
            result: i === 3 ? 'revoked' : 'good',
            reason: i === 3 ? 'affiliationChanged' : null,
          })),
          { apiKeyId: 'ab12cd34', purpose: 'death_check', route: 'batch' },
        );
      }
      writer.flush();
      expect(await shipper.drain(10_000)).toBe(true);
      const all = await sink.query({ limit: 1000, order: 'asc' });
      expect(all.rows).toHaveLength(300);
      expect(new Set(all.rows.map((r) => r.serial)).size).toBe(300);
      const revoked = all.rows.find((r) => r.serial === '4');
      expect(revoked).toMatchObject({
        requestId: 'req-0',
        apiKeyId: 'ab12cd34',
        purpose: 'death_check',
        route: 'batch',
        issuer: 'jpki-sign',
        caId: 'jpki-sign-2023',
        result: 'revoked',
        reason: 'affiliationChanged',
        method: 'crl',
        crlNumber: '7',
        kind: 'sign',
        dataAgeSeconds: 3600,
        at: new Date(T0).toISOString(),
        personalShown: null,
      });
      // the cursor stands at the writer's end: another pass ships nothing more
      expect(await shipper.step()).toBe(false);
      expect((await sink.query({ limit: 1000 })).rows).toHaveLength(300);
    });

    it('pages with a keyset cursor in a stable order, both ways, and filters by serial, issuer, purpose and time', async () => {
      for (let r = 0; r < 25; r++) {
        writeRequest(
          writer,
          T0 + Math.floor(r / 5) * 1000,
          `req-${r}`,
          [{ issuer: r % 2 ? 'jpki-auth' : 'jpki-sign', caId: null, serial: r < 10 ? 'ABC' : `${r}`, result: 'good' }],
          {
            purpose: r % 3 === 0 ? 'liveness_check' : 'signature_verification',
          },
        );
      }
      writer.flush();
      await shipper.drain(10_000);
      for (const order of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        let after: Awaited<ReturnType<AuditSink['query']>>['next'] = null;
        do {
          const page = await sink.query({ limit: 7, order, ...(after ? { after } : {}) });
          seen.push(...page.rows.map((r) => r.requestId));
          after = page.next;
        } while (after !== null);
        expect(seen).toHaveLength(25);
        expect(new Set(seen).size).toBe(25);
        const expected = Array.from({ length: 25 }, (_, r) => `req-${r}`);
        expect(seen).toEqual(order === 'asc' ? expected : expected.reverse());
      }
      expect((await sink.query({ serial: 'ABC', limit: 100 })).rows).toHaveLength(10);
      expect(await sink.count({ serial: 'ABC' })).toBe(10);
      expect(await sink.count({ result: 'good', route: 'status', purpose: 'liveness_check' })).toBe(9);
      expect(await sink.count({ result: 'revoked' })).toBe(0);
      expect(await sink.count({ fromMs: T0 + 1000, toMs: T0 + 3000 })).toBe(10);
      expect((await sink.query({ issuer: 'jpki-auth', limit: 100 })).rows).toHaveLength(12);
      expect((await sink.query({ purpose: 'liveness_check', limit: 100 })).rows).toHaveLength(9);
      expect((await sink.query({ fromMs: T0 + 1000, toMs: T0 + 3000, limit: 100 })).rows.map((r) => r.requestId)).toEqual([
        'req-14',
        'req-13',
        'req-12',
        'req-11',
        'req-10',
        'req-9',
        'req-8',
        'req-7',
        'req-6',
        'req-5',
      ]);
    });

    it("deletes one customer's serials and records the deletion itself, in one transaction", async () => {
      writeRequest(writer, T0, 'req-1', [
        { issuer: 'jpki-sign', caId: 'jpki-sign-2023', serial: '10', result: 'good' },
        { issuer: 'jpki-sign', caId: 'jpki-sign-2023', serial: '11', result: 'good' },
        { issuer: 'jpki-auth', caId: 'jpki-auth-2023', serial: '10', result: 'good' },
      ]);
      writer.flush();
      await shipper.drain(10_000);
      const entry = (deleted: number): NewAuditRow => ({
        atMs: T0 + 5000,
        requestId: 'del-1',
        apiKeyId: 'cli',
        purpose: null,
        route: 'audit.delete',
        issuer: 'jpki-sign',
        caId: null,
        serial: null,
        kind: null,
        medium: null,
        result: 'deleted',
        reason: null,
        meaning: null,
        method: null,
        crlNumber: null,
        ocspProducedAt: null,
        dataAgeSeconds: null,
        detail: `rows=${deleted} serials=1`,
        signature: null,
        personalShown: null,
      });
      expect(await sink.deleteSerials(['10'], 'jpki-sign', entry)).toBe(1);
      const left = (await sink.query({ limit: 100, order: 'asc' })).rows;
      expect(left.map((r) => [r.route, r.issuer, r.serial])).toEqual([
        ['status', 'jpki-sign', '11'],
        ['status', 'jpki-auth', '10'],
        ['audit.delete', 'jpki-sign', null],
      ]);
      expect(left[2]?.detail).toBe('rows=1 serials=1');
    });

    it('purges what is older than the retention: a month once all of it is older', async () => {
      const months = [Date.UTC(2019, 0, 15), Date.UTC(2019, 1, 15), Date.UTC(2019, 2, 15)];
      for (const [i, ms] of months.entries())
        writeRequest(writer, ms, `old-${i}`, [{ issuer: 'jpki-sign', caId: null, serial: `${i + 1}`, result: 'good' }]);
      writer.flush();
      await shipper.drain(10_000);
      const result = await sink.purge(Date.UTC(2019, 2, 1));
      expect(result.rows).toBe(2);
      expect((await sink.query({ limit: 10, order: 'asc' })).rows.map((r) => r.requestId)).toEqual(['old-2']);
      if (sink.kind === 'postgres') expect(result.partitions).toEqual(['audit_records_y2019m01', 'audit_records_y2019m02']);
    });

    it('refuses a write from a cursor the database does not hold (a second shipper, a lost COMMIT answer): no row twice', async () => {
      writeRequest(writer, T0, 'req-1', [{ issuer: 'jpki-sign', caId: null, serial: '1', result: 'good' }]);
      writer.flush();
      await shipper.drain(10_000);
      // the twin reads a stale cursor once (as if its COMMIT's answer was lost): its first write must be refused, then it
      // catches up from the stored cursor
      let stale = true;
      const staleSink: AuditSink = Object.create(sink, {
        cursor: {
          value: async (id: string) => {
            if (!stale) return sink.cursor(id);
            stale = false;
            return { segment: 1, offset: 0 };
          },
        },
      });
      const twin = new JournalShipper({
        sink: staleSink,
        root: join(dir, 'journal'),
        own: { id: 'aaaaaaaaaaaaaaaa', published },
        batchRows: 50,
      });
      expect(await twin.step()).toBe(false);
      expect(twin.status().failing).toBe(1);
      writeRequest(writer, T0 + 1, 'req-2', [{ issuer: 'jpki-sign', caId: null, serial: '2', result: 'good' }]);
      writer.flush();
      expect(await twin.drain(10_000)).toBe(true);
      twin.close();
      expect((await sink.query({ limit: 10, order: 'asc' })).rows.map((r) => r.requestId)).toEqual(['req-1', 'req-2']);
    });

    it('retries a failed write from the cursor: the blocks after it are read again and shipped once, in order', async () => {
      // request ids of one length: a block read again after the failure is the same size as the one before the cursor, so a
      // decoder rebuilt by reading the earlier blocks through the same buffer would silently ship the earlier block again
      for (let i = 0; i < 20; i++) {
        writeRequest(writer, T0 + i, `a-${String(i).padStart(2, '0')}`, [{ issuer: 'jpki-sign', caId: null, serial: '1', result: 'good' }]);
        writer.flush();
      }
      expect(await shipper.drain(10_000)).toBe(true);
      let down = true;
      const flaky: AuditSink = Object.create(sink, {
        write: {
          value: async (...args: Parameters<AuditSink['write']>) => {
            if (down) throw new AuditError('AUDIT_UNAVAILABLE', 'the database is away');
            return sink.write(...args);
          },
        },
      });
      const retrying = new JournalShipper({
        sink: flaky,
        root: join(dir, 'journal'),
        own: { id: 'aaaaaaaaaaaaaaaa', published },
        batchRows: 50,
      });
      for (let i = 0; i < 5; i++) {
        writeRequest(writer, T0 + 100 + i, `b-${String(i).padStart(2, '0')}`, [
          { issuer: 'jpki-sign', caId: null, serial: '1', result: 'good' },
        ]);
        writer.flush();
      }
      expect(await retrying.step()).toBe(false);
      expect(retrying.status().failing).toBe(1);
      down = false;
      expect(await retrying.drain(10_000)).toBe(true);
      retrying.close();
      const ids = (await sink.query({ limit: 100, order: 'asc' })).rows.map((r) => r.requestId);
      expect(ids).toEqual([
        ...Array.from({ length: 20 }, (_, i) => `a-${String(i).padStart(2, '0')}`),
        'b-00',
        'b-01',
        'b-02',
        'b-03',
        'b-04',
      ]);
    });

    it("adopts a dead process's journal, ships it exactly once, and removes it", async () => {
      const orphanPublished = new BigInt64Array(new SharedArrayBuffer(8));
      const orphan = new JournalWriter({ dir: join(dir, 'journal', 'bbbbbbbbbbbbbbbb'), published: orphanPublished, maxSegmentBytes: 200 });
      for (let i = 0; i < 20; i++) {
        writeRequest(orphan, T0 + i, `orphan-${i}`, [{ issuer: 'jpki-sign', caId: null, serial: `${i + 1}`, result: 'good' }]);
        orphan.flush(); // a block each, and a new segment every few
      }
      orphan.close();
      // its owner is gone: a pid that cannot exist
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, 'journal', 'bbbbbbbbbbbbbbbb', 'owner'), '2147483646\n');
      expect(await shipper.drain(10_000)).toBe(true);
      const rows = (await sink.query({ limit: 100, order: 'asc' })).rows;
      expect(rows.map((r) => r.requestId)).toEqual(Array.from({ length: 20 }, (_, i) => `orphan-${i}`));
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(join(dir, 'journal'))).toEqual(['aaaaaaaaaaaaaaaa']);
      expect(await sink.cursor('bbbbbbbbbbbbbbbb')).toBeNull();
    });
  });
}
