/** The CRL-number high-water record: an append-only log shared by processes, compacted, readable in its first format too. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrlHighWater } from '../src/files/crl-high-water.js';

describe('CRL-number high-water record', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jpki-hw-'));
    path = join(dir, 'crl-high-water.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a record is one appended line; another process sharing the file refuses a rollback against it', async () => {
    const a = await CrlHighWater.open(path);
    const b = await CrlHighWater.open(path);
    await a.record('ca', 'p1', 5n, 'sig-5', 'E1');
    const before = (await readFile(path, 'utf8')).length;
    await a.record('ca', 'p2', 9n, null, 'E1');
    const after = await readFile(path, 'utf8');
    expect(after.length - before).toBe(`${JSON.stringify({ ca: 'ca', p: 'p2', n: '9', c: null, e: 'E1' })}\n`.length);
    await expect(b.check('ca', 'p1', 4n, null)).rejects.toMatchObject({ code: 'ROLLBACK', against: 'high-water' });
    await expect(b.check('ca', 'p1', 5n, 'other')).rejects.toMatchObject({ code: 'CRL_NUMBER_REUSED' });
    await b.check('ca', 'p1', 5n, 'sig-5');
    expect(b.epoch('ca')).toBe('E1');
    // the highest number wins whoever wrote last; the last epoch seen wins
    await b.record('ca', 'p1', 3n, null, 'E2');
    const c = await CrlHighWater.open(path);
    expect(c.mark('ca', 'p1')).toEqual({ crlNumber: 5n, contentId: 'sig-5' });
    expect(c.epoch('ca')).toBe('E2');
    await a.flush();
  });

  it('compacts a long log to one line per mark, and what others append after keeps being read', async () => {
    const a = await CrlHighWater.open(path);
    for (let n = 1; n <= 150; n++) await a.record('ca', 'p1', BigInt(n), null, 'E1');
    await a.record('ca', 'p2', 2n, null, 'E1');
    const reader = await CrlHighWater.open(path, { lock: false });
    await a.compactIfLarge();
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(3); // the format line and two marks
    await a.record('ca', 'p2', 3n, null, 'E1');
    await expect(reader.check('ca', 'p2', 2n, null)).rejects.toMatchObject({ loadedCrlNumber: 3n });
    await expect(reader.check('ca', 'p1', 149n, null)).rejects.toMatchObject({ loadedCrlNumber: 150n });
  });

  it('reads its first format (one JSON object), keeps appending after it, and refuses a damaged line naming the file', async () => {
    await writeFile(
      path,
      `${JSON.stringify({ format: 1, cas: { ca: { epoch: 'E0', partitions: { p1: { crlNumber: '7', contentId: null } } } } })}\n`,
    );
    const a = await CrlHighWater.open(path);
    await expect(a.check('ca', 'p1', 6n, null)).rejects.toMatchObject({ code: 'ROLLBACK' });
    await a.record('ca', 'p2', 1n, null, 'E0');
    const b = await CrlHighWater.open(path, { lock: false });
    expect([b.mark('ca', 'p1')?.crlNumber, b.mark('ca', 'p2')?.crlNumber, b.epoch('ca')]).toEqual([7n, 1n, 'E0']);
    await writeFile(path, `${await readFile(path, 'utf8')}{"ca":"ca","p":\n`);
    await expect(CrlHighWater.open(path)).rejects.toThrow(/crl-high-water\.json: a line is not JSON/);
  });
});
