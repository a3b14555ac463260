/**
 * The lab in CI (issue 14): the deploy/ topology for real on loopback — Redis Cluster 3+3, 3 validators behind HAProxy, 2 fetchers
 * with the watch job, the simulator, a webhook receiver — started by `npm run lab -- up --quick`, every fault scenario run short
 * (`scenarios --quick`: a few seconds each), and `down`. The verdicts come from the lab itself (every answer judged against the
 * simulator's truth); this test asserts that every scenario passed, that no answer was a wrong `good`, and that `down` left
 * none of the processes `up` started. Its own state directory and ports (7500…), so a person's lab on 7300 is left alone.
 * The full suite (minutes) is `npm run lab -- up && npm run lab -- scenarios` (deploy/lab/RESULTS.md).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../../apps/cli/test/run-cli.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const LAB = join(REPO, 'deploy/lab/lab.ts');
const dir = mkdtempSync(join(tmpdir(), 'jv-lab-'));
const env = { ...process.env, LAB_DIR: dir, LAB_PORT_BASE: '7500' };
const results = join(dir, 'RESULTS.md');

function lab(args: readonly string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  // the lab runs on the Node that runs the tests (24 under npm test): it strips the types of deploy/lab/*.ts itself
  return run(process.execPath, [LAB, ...args], { cwd: REPO, env, timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 });
}

const pids = (): number[] =>
  (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { procs: { pid: number }[] }).procs.map((p) => p.pid);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  await ensureBuilt();
  await lab(['up', '--quick'], 120_000);
}, 180_000);

afterAll(async () => {
  await lab(['down'], 120_000).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}, 180_000);

it('runs every scenario on the real topology with zero wrong goods, and down stops exactly what up started', async () => {
  const status = await lab(['status'], 30_000);
  expect(status.stdout).toMatch(/validator-3 .* ready/);
  expect(status.stdout.match(/ master$/gm)).toHaveLength(3);
  expect(status.stdout.match(/ slave$/gm)).toHaveLength(3);

  const scenarios = await lab(['scenarios', '--quick', '--results', results], 300_000).catch(
    (error: { stdout?: string; code?: number }) => {
      throw new Error(`lab scenarios exited ${error.code}:\n${error.stdout ?? String(error)}`);
    },
  );
  const table = readFileSync(results, 'utf8');
  const rows = table.split('\n').filter((l) => /^\| [a-z-]+ \|/.test(l) && !l.startsWith('| scenario'));
  const names = rows.map((r) => r.split('|')[1]?.trim());
  expect(names).toEqual([
    'steady',
    'generation-switch',
    'redis-master-kill',
    'redis-master-sigstop',
    'fetcher-kill',
    'validator-kill',
    'rolling-restart',
    'redis-cluster-down',
    'watch-exactly-once',
  ]);
  for (const row of rows) {
    const cells = row.split('|').map((c) => c.trim());
    expect(cells[4], `wrong goods in ${cells[1]}`).toBe('0');
    expect(cells.at(-2), `${cells[1]}: ${scenarios.stdout}`).toBe('pass');
  }

  const started = pids();
  expect(started.every(alive)).toBe(true);
  await lab(['down'], 120_000);
  expect(started.filter(alive)).toEqual([]);
}, 420_000);
