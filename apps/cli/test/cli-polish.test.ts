/**
 * The CLI's manners, through the real binary: --version, help for the command groups, "did you mean", JSON summaries, and a
 * reader that stops early (`| head`) ending the command quietly with 0.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, ensureBuilt, REPO } from './run-cli.js';
import { createSimFixture, type SimFixture } from './sim-fixture.js';

const execFileAsync = promisify(execFile);
let sim: SimFixture;
let serials: string;

beforeAll(async () => {
  await ensureBuilt();
  sim = await createSimFixture();
  serials = join(sim.dir, 'serials.csv');
  // enough rows that the output outgrows a pipe's buffer many times over
  const rows = Array.from({ length: 100_000 }, (_, i) => (0x7000000 + i).toString(16).toUpperCase());
  writeFileSync(serials, `serial\n${rows.join('\n')}\n`);
});

afterAll(async () => {
  await sim?.cleanup();
});

/** `<binary> args | head -1` in bash: the binary's own exit status, its stderr and what head printed */
async function pipedToHead(args: readonly string[]): Promise<{ status: number; stderr: string; firstLine: string }> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const script = `${quoted} 2>"$ERR" | head -1; echo "status=\${PIPESTATUS[0]}"`;
  const errFile = join(sim.dir, `stderr-${Math.random().toString(36).slice(2)}`);
  const { stdout } = await execFileAsync('bash', ['-c', script], { cwd: REPO, env: { ...process.env, ERR: errFile } });
  const [firstLine = '', statusLine = ''] = stdout.trimEnd().split('\n');
  return { status: Number(statusLine.replace('status=', '')), stderr: readFileSync(errFile, 'utf8'), firstLine };
}

describe('the CLI', () => {
  it('--version prints the version', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'apps/cli/package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V'])
      expect(await cli([flag])).toEqual({ code: 0, stdout: `jpki-validator ${pkg.version}\n`, stderr: '' });
  });

  it('lists the subcommands of crl, cert, watch and sim on --help (and exits 2 when no subcommand is given)', async () => {
    const expected: Record<string, string[]> = {
      crl: ['inspect'],
      cert: ['inspect', 'verify'],
      watch: ['import', 'rotate', 'run', 'events'],
      sim: ['init', 'issue', 'revoke', 'crl', 'serve'],
    };
    for (const [group, subcommands] of Object.entries(expected)) {
      const help = await cli([group, '--help']);
      expect([group, help.code]).toEqual([group, 0]);
      for (const sub of subcommands) expect(help.stdout).toMatch(new RegExp(`^  ${sub} `, 'm'));
      expect((await cli([group])).code).toBe(2);
    }
  });

  it('suggests the command meant by a typo, exit 2', async () => {
    const command = await cli(['chek', '--input', 'x']);
    expect([command.code, command.stderr]).toEqual([2, expect.stringContaining('unknown command "chek"; did you mean "check"?')]);
    const group = await cli(['wach', 'run']);
    expect(group.stderr).toContain('did you mean "watch"?');
    const sub = await cli(['crl', 'inspec', 'x.crl']);
    expect([sub.code, sub.stderr]).toEqual([2, expect.stringContaining('unknown crl subcommand "inspec"; did you mean "inspect"?')]);
    const far = await cli(['frobnicate']);
    expect(far.stderr).not.toContain('did you mean');
  });

  it('check --json writes its summary as one JSON line on stderr, and --summary-file the same JSON to a file', async () => {
    const summaryFile = join(sim.dir, 'check-summary.json');
    const output = join(sim.dir, 'out.csv');
    const run = await cli([
      'check',
      ...['--input', serials, '--output', output, '--crl', sim.signCrl, '--ca', sim.signCa],
      ...['--json', '--summary-file', summaryFile],
    ]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stderr) as { rows: number; status: { good: number; revoked: number; unknown: number } };
    expect(summary.rows).toBe(100_000);
    expect(summary.status.good + summary.status.revoked + summary.status.unknown).toBe(100_000);
    expect(JSON.parse(readFileSync(summaryFile, 'utf8'))).toEqual(summary);
  });

  it('ends quietly with 0 when its reader stops early: check … | head -1, crl inspect --entries | head -1', async () => {
    const check = await pipedToHead(['check', '--input', serials, '--crl', sim.signCrl, '--ca', sim.signCa]);
    expect(check).toMatchObject({ status: 0, stderr: '', firstLine: expect.stringMatching(/^serial,status,reason,meaning,revokedAt,/) });
    for (let i = 0; i < 5; i++) {
      const entries = await pipedToHead(['crl', 'inspect', sim.signCrl, '--entries']);
      expect(entries.status).toBe(0);
      expect(entries.stderr).toBe('');
      expect(JSON.parse(entries.firstLine)).toHaveProperty('serial');
    }
  });
});
