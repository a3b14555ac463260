/**
 * Shared set-up of the `check` tests: the CLI built once, a simulator with two generations of the signature CA, their CRLs, and a
 * runner for the REAL binary (`node apps/cli/bin/jpki-validator.js check …`) with stdin, stdout, stderr and the exit code.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { initSimulator } from '@jpki-validator/sim';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const binary = join(repoRoot, 'apps/cli/bin/jpki-validator.js');

export async function buildCli(): Promise<void> {
  await promisify(execFile)('npx', ['tsc', '-b', 'apps/cli'], { cwd: repoRoot });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** runs `jpki-validator <args>` in `cwd` with `stdin` piped in (stderr is a pipe, so no progress bar) */
export function runCli(args: readonly string[], options: { cwd: string; stdin?: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, ...args], { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.on('error', () => undefined); // the CLI may stop reading early (a malformed file)
    child.stdin.end(options.stdin ?? '');
  });
}

export interface CheckFixture {
  dir: string;
  sim: Awaited<ReturnType<typeof initSimulator>>;
  /** CA certificate files of jpki-sign-2015 and jpki-sign-2023 */
  ca2015: string;
  ca2023: string;
  /** full CRLs of both */
  crl2015: string;
  crl2023: string;
  /** the seeded serial ranges [base, base + population) */
  base2015: number;
  base2023: number;
  population: number;
  close(): Promise<void>;
}

export async function createCheckFixture(population = 3000): Promise<CheckFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'jpki-check-'));
  const sim = await initSimulator({
    dir: join(dir, 'sim'),
    seed: 7,
    populationPerCa: population,
    revokedRate: 0.2,
    generations: [2015, 2023],
    kinds: ['sign'],
    partitions: 0,
  });
  const crl2015 = join(dir, 'sign-2015.crl');
  const crl2023 = join(dir, 'sign-2023.crl');
  await sim.writeCrl({ ca: 'jpki-sign-2015', out: crl2015 });
  await sim.writeCrl({ ca: 'jpki-sign-2023', out: crl2023 });
  const base = (id: string) => {
    const ca = sim.listCas().find((c) => c.id === id);
    if (ca === undefined) throw new Error(`no CA ${id}`);
    return ca.serialBase;
  };
  return {
    dir,
    sim,
    ca2015: sim.caCertificatePath('jpki-sign-2015'),
    ca2023: sim.caCertificatePath('jpki-sign-2023'),
    crl2015,
    crl2023,
    base2015: base('jpki-sign-2015'),
    base2023: base('jpki-sign-2023'),
    population,
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** parses the CLI's CSV output when no field holds a comma, quote or newline */
export function plainCsv(text: string): Array<Record<string, string>> {
  const [header, ...lines] = text.trimEnd().split('\n');
  const names = (header ?? '').split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i] ?? `#${i}`, v])));
}

export const hex = (n: number): string => n.toString(16).toUpperCase();
