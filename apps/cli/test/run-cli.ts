import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { acquireLockFile } from '@jpki-validator/files';

const execFileAsync = promisify(execFile);

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(REPO, 'apps/cli/bin/jpki-validator.js');
/** Sources the binary is built from: a change to any of them means dist is stale. */
const SOURCES = ['apps', 'packages', 'services'].flatMap((group) =>
  readdirSync(join(REPO, group), { withFileTypes: true })
    .filter((ws) => ws.isDirectory())
    .map((ws) => join(REPO, group, ws.name, 'src')),
);
/** one build at a time per checkout (worktrees build their own dist side by side) */
const LOCK = join(tmpdir(), `jpki-validator-cli-test-build-${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}.lock`);

export const PKITS = '/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data';
export const TRUST_ANCHORS = join(REPO, 'packages/config/trust-anchors');

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Written after every build the tests make: newer than every source means the binary and its workspaces are current. */
const STAMP = join(REPO, 'apps/cli/dist/.test-build-stamp');

function isStale(): boolean {
  try {
    const built = statSync(STAMP).mtimeMs;
    return SOURCES.some((dir) => newestSourceMs(dir) > built);
  } catch {
    return true;
  }
}

/**
 * Builds the CLI (tsc -b, incremental) when dist is missing or older than a source, so `npx vitest run apps/cli` works on its
 * own. Test files run in parallel processes: a lock file makes one build at a time.
 */
export async function ensureBuilt(): Promise<void> {
  if (!isStale()) return;
  // a build of every workspace can take minutes on a busy machine; a build killed mid-way leaves a dead pid, which the lock breaks
  const release = await acquireLockFile(LOCK, {
    timeoutMs: 600_000,
    timeoutError: (path, ms) => new Error(`${path} held for more than ${ms / 1000} s by a running build`),
  });
  try {
    if (isStale()) {
      // turbo builds the CLI and every workspace it depends on, with their build steps (Lua files copied): not just tsc.
      await execFileAsync('npx', ['turbo', 'run', 'build', '--filter=@jpki-validator/cli...', '--output-logs=errors-only'], { cwd: REPO });
      writeFileSync(STAMP, new Date().toISOString());
    }
  } finally {
    await release();
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built binary; never throws for a non-zero exit (tests assert on the code). */
export async function cli(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? REPO,
      maxBuffer: 256 * 1024 * 1024,
      ...(opts.env ? { env: opts.env } : {}),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The last line of stdout as JSON (the summary line of `crl inspect --entries`, or a command's only line). */
export function lastJson<T = Record<string, unknown>>(result: CliResult): T {
  const lines = result.stdout.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as T;
}

export async function openssl(args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync('openssl', args, { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** Starts the binary as a long-running process (sim serve). */
export function spawnCli(args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], { cwd: REPO });
}
