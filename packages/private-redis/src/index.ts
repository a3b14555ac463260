/**
 * A redis-server of a test's or benchmark's own, on a free port of its own, for tests that kill, freeze, restart or empty Redis — never the
 * shared 127.0.0.1:6379. No persistence: a restart comes back empty, as a Redis restarted without RDB/AOF (or a failover to an
 * empty replica) does. Every server is killed by its pid when the test stops it, and when the test process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** pid of the server now running (a restart starts another process) */
  readonly pid: number;
  /** SIGKILL: the server dies with whatever it held */
  kill(): Promise<void>;
  /** SIGSTOP: a hung server — connections stay open, nothing answers */
  freeze(): void;
  /** SIGCONT after freeze */
  thaw(): void;
  /** a new, empty server on the same port (the old one killed first if it still runs) */
  restart(): Promise<void>;
  /** kills the server and removes its directory */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port free right now on 127.0.0.1 (redis-server cannot bind port 0 and report it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** true once the server answers PING with PONG */
async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let text = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (text.includes('\r\n')) done(text.startsWith('+PONG'));
    });
  });
}

function launch(port: number, dir: string): ChildProcess {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL'); // acts on a stopped (frozen) process too
  await exited;
}

async function startOn(port: number, dir: string): Promise<ChildProcess | null> {
  const child = launch(port, dir);
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return null; // the port was taken meanwhile
    if (await answers(port)) return child;
    await sleep(20);
  }
  await killAndWait(child);
  return null;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'jpki-private-redis-'));
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    let child = await startOn(port, dir);
    if (child === null) continue;
    const handle: PrivateRedis = {
      port,
      url: `redis://127.0.0.1:${port}`,
      get pid() {
        return child?.pid ?? -1;
      },
      async kill() {
        if (child !== null) await killAndWait(child);
      },
      freeze() {
        child?.kill('SIGSTOP');
      },
      thaw() {
        child?.kill('SIGCONT');
      },
      async restart() {
        if (child !== null) await killAndWait(child);
        for (let i = 0; i < 50; i++) {
          child = await startOn(port, dir);
          if (child !== null) return;
          await sleep(50);
        }
        throw new Error(`private redis-server could not start again on port ${port}`);
      },
      async stop() {
        if (child !== null) await killAndWait(child);
        child = null;
        await rm(dir, { recursive: true, force: true });
      },
    };
    return handle;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error('could not start a private redis-server on a free port');
}
