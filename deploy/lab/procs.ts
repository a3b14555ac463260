/**
 * The lab's processes: each started detached with its output in logs/<name>.log, and recorded (pid, command, environment) in
 * state.json, so `down` stops exactly what `up` started and a scenario can start a killed part again the same way.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabSize } from './topology.ts';

export type Role = 'redis' | 'validator' | 'fetcher' | 'haproxy' | 'sim' | 'webhook';

export interface ProcSpec {
  name: string;
  role: Role;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** the port it listens on (the API, admin, or Redis port) */
  port: number;
}

export interface ProcRecord extends ProcSpec {
  pid: number;
  startedAt: string;
}

export interface LabState {
  size: LabSize['name'];
  startedAt: string;
  procs: ProcRecord[];
}

export function readState(file: string): LabState | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as LabState;
}

export function writeState(file: string, state: LabState): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  // rename is atomic: a reader never sees half a state file
  renameSync(`${file}.tmp`, file);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Starts a process detached (its own process group) with stdout and stderr appended to its log; returns its record. */
export function startProc(spec: ProcSpec, logDir: string): ProcRecord {
  mkdirSync(logDir, { recursive: true });
  const log = openSync(join(logDir, `${spec.name}.log`), 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...spec.env },
    });
    // a spawn failure (ENOENT) is an 'error' event: without a listener it would kill the lab with an unhandled error
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error(`${spec.name}: ${spec.command} did not start`);
    child.unref();
    return { ...spec, pid: child.pid, startedAt: new Date().toISOString() };
  } finally {
    closeSync(log);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `pid` has exited; false when it still lives after `timeoutMs`. */
export async function waitExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await sleep(50);
  }
  return !alive(pid);
}

/** SIGTERM, then SIGKILL after `graceMs`; returns how long the process took to exit and whether it had to be killed. */
export async function stopProc(rec: ProcRecord, graceMs = 15_000): Promise<{ ms: number; killed: boolean }> {
  const t0 = Date.now();
  if (!alive(rec.pid)) return { ms: 0, killed: false };
  signal(rec.pid, 'SIGCONT');
  signal(rec.pid, 'SIGTERM');
  if (await waitExit(rec.pid, graceMs)) return { ms: Date.now() - t0, killed: false };
  signal(rec.pid, 'SIGKILL');
  await waitExit(rec.pid, 5_000);
  return { ms: Date.now() - t0, killed: true };
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Polls `probe` until it is true; throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 200): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await Promise.resolve(probe()).catch(() => false)) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`lab: ${what} not reached within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(everyMs);
  }
}

export async function httpOk(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
