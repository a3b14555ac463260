import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger, type Logger } from '../src/index.js';
import { REDIS_URL } from './helpers.js';

/** Random key prefixes for one test: the store's and locks' (`jvtest:<hex>`) and BullMQ's (`jvbull-<hex>`). */
export function testPrefixes(): { keyPrefix: string; bullPrefix: string } {
  const id = randomBytes(6).toString('hex');
  return { keyPrefix: `jvtest:${id}`, bullPrefix: `jvbull-${id}` };
}

export async function deletePrefixes(...prefixes: string[]): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    for (const p of prefixes) {
      const keys = await redis.keys(`${p}*`);
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    await redis.quit();
  }
}

/** Polls until `check` returns a value other than undefined/false, or fails naming what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A pino logger that keeps its JSON lines in memory, so tests can read what was logged. */
export function memoryLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    logger: createLogger({ destination: sink, level: 'debug' }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/**
 * A real HTTP hop in front of the simulator's CRL server that can hold a response part-way: while `held`, the body stops after
 * `holdAfterBytes` until `release()`. Headers (If-None-Match …) and statuses (304) pass through. It lets a test catch a worker
 * mid-load without guessing at timings.
 */
export interface GatedProxy {
  url: string;
  /** resolves when a response has reached the hold point */
  reachedHold(): Promise<void>;
  release(): void;
  requests: number;
  close(): Promise<void>;
}

export async function startGatedProxy(upstream: string, holdAfterBytes: number): Promise<GatedProxy> {
  let releaseGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    releaseGate = resolve;
  });
  let reached: () => void = () => undefined;
  const reachedPromise = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const up = request(
      new URL(req.url ?? '/', upstream),
      { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } },
      async (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let sent = 0;
        let held = false;
        try {
          for await (const chunk of upRes as AsyncIterable<Buffer>) {
            if (!held && sent + chunk.length > holdAfterBytes) {
              const head = chunk.subarray(0, Math.max(0, holdAfterBytes - sent));
              if (head.length && !res.write(head)) await new Promise((r) => res.once('drain', r));
              sent += head.length;
              held = true;
              reached();
              await gate;
              res.write(chunk.subarray(head.length));
              sent += chunk.length - head.length;
              continue;
            }
            sent += chunk.length;
            if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
          }
          res.end();
        } catch {
          res.destroy();
        }
      },
    );
    up.on('error', () => res.destroy());
    up.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    reachedHold: () => reachedPromise,
    release: () => releaseGate(),
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
