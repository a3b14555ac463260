import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(REPO, 'apps/cli/bin/jpki-validator.js');
/** Sources the binary is built from: a change to any of them means dist is stale. */
const SOURCES = ['apps', 'packages', 'services'].flatMap((group) =>
  readdirSync(join(REPO, group), { withFileTypes: true })
    .filter((ws) => ws.isDirectory())
    .map((ws) => join(REPO, group, ws.name, 'src')),
);
const LOCK = join(tmpdir(), 'jpki-validator-cli-test-build.lock');

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
 * own. Test files run in parallel processes: a lock directory makes one build at a time.
 */
export async function ensureBuilt(): Promise<void> {
  if (!isStale()) return;
  for (let tries = 0; ; tries++) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (tries > 600) throw new Error(`${LOCK} held for more than 2 minutes: remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (isStale()) {
      // turbo builds the CLI and every workspace it depends on, with their build steps (Lua files copied): not just tsc.
      await execFileAsync('npx', ['turbo', 'run', 'build', '--filter=@jpki-validator/cli...', '--output-logs=errors-only'], { cwd: REPO });
      writeFileSync(STAMP, new Date().toISOString());
    }
  } finally {
    rmdirSync(LOCK);
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
