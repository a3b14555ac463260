/**
 * `check --output` through the real binary: a regular file is replaced atomically (through a symlink: the file it names, the
 * link stays a link); a FIFO and a character device are written to, never replaced by a regular file.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, lstatSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, createCheckFixture, hex, runCli, type CheckFixture } from './check-fixture.js';

let fx: CheckFixture;
let args: string[];
let input: string;

beforeAll(async () => {
  await buildCli();
  fx = await createCheckFixture(50);
  input = join(fx.dir, 'in.csv');
  writeFileSync(input, `serial\n${hex(fx.base2023)}\n${hex(fx.base2023 + 1)}\n`);
  args = ['check', '--input', input, '--issuer', 'jpki-sign-2023', '--crl', fx.crl2023, '--ca', fx.ca2023];
});

afterAll(async () => {
  await fx.close();
});

const rows = (text: string) => text.trim().split('\n').slice(1);

describe('check --output', () => {
  it('replaces a regular file whole, keeping its permissions', async () => {
    const out = join(fx.dir, 'plain.csv');
    writeFileSync(out, 'old\n', { mode: 0o640 });
    const run = await runCli([...args, '--output', out], { cwd: fx.dir });
    expect(run.code).toBe(0);
    expect(rows(readFileSync(out, 'utf8'))).toHaveLength(2);
    expect(statSync(out).mode & 0o777).toBe(0o640);
  });

  it('follows a symlink: the file it names is replaced, the link stays a link', async () => {
    const target = join(fx.dir, 'real.csv');
    const link = join(fx.dir, 'link.csv');
    writeFileSync(target, 'old\n');
    symlinkSync('real.csv', link);
    const run = await runCli([...args, '--output', link], { cwd: fx.dir });
    expect(run.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real.csv');
    expect(rows(readFileSync(target, 'utf8'))).toHaveLength(2);
    // a link to a file that does not exist yet: the file is created where the link points
    const dangling = join(fx.dir, 'dangling.csv');
    symlinkSync('created.csv', dangling);
    expect((await runCli([...args, '--output', dangling], { cwd: fx.dir })).code).toBe(0);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(rows(readFileSync(join(fx.dir, 'created.csv'), 'utf8'))).toHaveLength(2);
  });

  it('writes into a FIFO (a reader gets the rows) and leaves it a FIFO', async () => {
    const fifo = join(fx.dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const got: Buffer[] = [];
    const reader = new Promise<void>((resolve, reject) => {
      createReadStream(fifo)
        .on('data', (c) => got.push(c as Buffer))
        .on('end', resolve)
        .on('error', reject);
    });
    const run = await runCli([...args, '--output', fifo], { cwd: fx.dir });
    await reader;
    expect(run.code).toBe(0);
    expect(rows(Buffer.concat(got).toString('utf8'))).toHaveLength(2);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('writes into a character device and leaves it one (a null device made for the test, or /dev/null without root)', async () => {
    // as root a rename over /dev/null itself would succeed and break the machine: the test's own device node takes its place
    let device = '/dev/null';
    if (process.getuid?.() === 0) {
      device = join(fx.dir, 'null');
      execFileSync('mknod', [device, 'c', '1', '3']);
    }
    const run = await runCli([...args, '--output', device], { cwd: fx.dir });
    expect(run.code).toBe(0);
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
  });

  it('a directory is a usage error naming it', async () => {
    const run = await runCli([...args, '--output', fx.dir], { cwd: fx.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is a directory/);
  });
});
