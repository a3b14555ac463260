/**
 * A benchmarked HTTP server in its own process: spawned with node, ready when it prints one `{"url":…}` JSON line on stdout,
 * stopped with SIGTERM (the servers close and exit by themselves, so `--cpu-prof` gets to write its profile), SIGKILL after a
 * grace period. The child's stderr is kept for the error message when it dies early.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcess {
  url: string;
  pid: number;
  /** the command line as run from bench/, for RESULTS.md */
  commandLine: string;
  /** whatever else the server printed in its ready line */
  facts: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface SpawnServerOptions {
  script: string;
  args?: readonly string[];
  cwd: string;
  env?: Record<string, string>;
  /** node flags before the script, e.g. `--cpu-prof` */
  nodeFlags?: readonly string[];
  readyTimeoutMs?: number;
}

export async function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  const argv = [...(options.nodeFlags ?? []), options.script, ...(options.args ?? [])];
  const envShown = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const commandLine = [...envShown, 'node', ...argv].join(' ');
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${commandLine}: not ready within ${options.readyTimeoutMs ?? 120_000} ms\n${stderr}`));
    }, options.readyTimeoutMs ?? 120_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, nl)) as Record<string, unknown>);
      } catch (error) {
        reject(new Error(`${commandLine}: ready line is not JSON: ${out.slice(0, 200)}`, { cause: error }));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${commandLine} exited (${code ?? signal}) before it was ready\n${stderr}`));
    });
  });
  const url = ready.url;
  if (typeof url !== 'string') throw new Error(`${commandLine}: ready line has no url: ${JSON.stringify(ready)}`);
  const pid = child.pid ?? -1;
  return { url, pid, commandLine, facts: ready, stop: () => stopChild(child, 15_000) };
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
