import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAtomicWriteStream, writeFileAtomic } from './atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jv-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (path: string): Promise<string> => readFile(path, 'utf8');

describe('writeFileAtomic', () => {
  it('writes text, bytes, pieces and an async source, replacing what was there', async () => {
    const path = join(dir, 'f');
    await writeFileAtomic(path, 'one');
    expect(await text(path)).toBe('one');
    await writeFileAtomic(path, new TextEncoder().encode('two'));
    expect(await text(path)).toBe('two');
    await writeFileAtomic(path, ['th', new TextEncoder().encode('re'), 'e']);
    expect(await text(path)).toBe('three');
    await writeFileAtomic(
      path,
      (async function* () {
        yield 'fo';
        yield 'ur';
      })(),
      { durable: false },
    );
    expect(await text(path)).toBe('four');
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('keeps the old file and leaves no temporary one when the source fails half-way', async () => {
    const path = join(dir, 'f');
    await writeFileAtomic(path, 'old');
    const failing = (async function* () {
      yield 'half of the new';
      throw new Error('source broke');
    })();
    await expect(writeFileAtomic(path, failing)).rejects.toThrow('source broke');
    expect(await text(path)).toBe('old');
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('gives a new file the mode asked for', async () => {
    const path = join(dir, 'secret');
    await writeFileAtomic(path, 'k', { mode: 0o600 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});

describe('openAtomicWriteStream', () => {
  it('shows nothing at the path until commit, then the whole file', async () => {
    const path = join(dir, 'out.csv');
    await writeFile(path, 'previous run');
    const output = await openAtomicWriteStream(path);
    output.stream.write('a,b\n');
    output.stream.write('1,2\n');
    expect(await text(path)).toBe('previous run');
    await output.commit();
    expect(await text(path)).toBe('a,b\n1,2\n');
    expect(await readdir(dir)).toEqual(['out.csv']);
  });

  it('discard leaves the path as it was and no temporary file', async () => {
    const path = join(dir, 'out.csv');
    const output = await openAtomicWriteStream(path, { durable: false });
    output.stream.write('never seen');
    await output.discard();
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects when the file cannot be created, naming the cause', async () => {
    await expect(openAtomicWriteStream(join(dir, 'no-such-dir', 'out'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
