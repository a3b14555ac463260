/**
 * The audit worker thread: migrates the database, keeps month partitions made ahead, and runs the shipper (shipper.ts) over this
 * process's journal and any orphans. It talks to the main thread by messages: `drain` (answered when shipped up to the writer's
 * end at the time of asking), `stop` (drain for a while, then end); it posts its status every `statusMs`.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { JournalShipper, type ShipperEvent } from './shipper.js';
import { openAuditSink, type AuditDatabase } from './sink/open-sink.js';
import type { AuditSink } from './sink/types.js';

export interface AuditWorkerData {
  database: AuditDatabase;
  root: string;
  ownId: string;
  published: SharedArrayBuffer;
  batchRows?: number;
  pollMs?: number;
  statusMs?: number;
  orphanAfterMs?: number;
  /** months of partitions made ahead (default 3) */
  monthsAhead?: number;
  /** this thread's nice value (default 19; see main) */
  niceness?: number;
}

export type WorkerRequest = { type: 'drain'; id: number; timeoutMs: number } | { type: 'stop'; timeoutMs: number };

export type WorkerMessage =
  | { type: 'status'; status: ReturnType<JournalShipper['status']> }
  | { type: 'drained'; id: number; done: boolean }
  | { type: 'event'; event: SerializedEvent }
  | { type: 'stopped'; drained: boolean };

/** an event as it crosses to the main thread (an error as its message and code) */
export type SerializedEvent =
  | Exclude<ShipperEvent, { type: 'failed' }>
  | { type: 'failed'; attempt: number; error: { message: string; code?: string } };

function serialize(event: ShipperEvent): SerializedEvent {
  if (event.type !== 'failed') return event;
  const e = event.error;
  return {
    ...event,
    error: { message: e instanceof Error ? e.message : String(e), ...(e instanceof Error && 'code' in e ? { code: String(e.code) } : {}) },
  };
}

/** migrations and the partitions ahead, retried until the database answers */
class PreparedSink {
  private ready = false;
  private lastMonthsMs = 0;
  constructor(
    readonly sink: AuditSink,
    private readonly monthsAhead: number,
  ) {}

  async prepare(): Promise<void> {
    if (!this.ready) {
      await this.sink.migrate();
      this.ready = true;
    }
    const now = Date.now();
    if (now - this.lastMonthsMs > 3_600_000) {
      await this.sink.prepareMonths(now, this.monthsAhead);
      this.lastMonthsMs = now;
    }
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('the audit worker runs in a worker thread');
  const data = workerData as AuditWorkerData;
  // Shipping yields to answering: on Linux a thread's nice value is its own (setpriority on the calling thread), so under a load
  // that takes every core the answering thread keeps its share and the journal (the spool) takes up the slack; the worker catches
  // up when the load eases. Elsewhere, or when refused, the worker runs at the process's priority. Nice 19 rather than 10: the
  // scheduler weighs a nice-10 thread at 110 against 1024 for the answering one, so a shipper with work to do took about a tenth
  // of a contended core (and a database on the same machine what it was sent); at 19 the weight is 15, about 1.5 %.
  try {
    setPriority(0, data.niceness ?? 19);
  } catch {
    // not permitted or not supported: no harm
  }
  const sink = openAuditSink(data.database);
  const prepared = new PreparedSink(sink, data.monthsAhead ?? 3);
  const published = new BigInt64Array(data.published);
  const post = (message: WorkerMessage): void => port.postMessage(message);
  // the shipper's sink runs the preparation first, so a database that is down at start is waited for like any outage
  const guarded: AuditSink = Object.create(sink, {
    write: {
      value: async (...args: Parameters<AuditSink['write']>) => {
        await prepared.prepare();
        return sink.write(...args);
      },
    },
    cursor: {
      value: async (journalId: string) => {
        await prepared.prepare();
        return sink.cursor(journalId);
      },
    },
  }) as AuditSink;
  const shipper = new JournalShipper({
    sink: guarded,
    root: data.root,
    own: { id: data.ownId, published },
    ...(data.batchRows !== undefined ? { batchRows: data.batchRows } : {}),
    ...(data.pollMs !== undefined ? { pollMs: data.pollMs } : {}),
    ...(data.orphanAfterMs !== undefined ? { orphanAfterMs: data.orphanAfterMs } : {}),
    onEvent: (event) => {
      if (event.type !== 'shipped') post({ type: 'event', event: serialize(event) });
    },
  });
  const statusTimer = setInterval(() => post({ type: 'status', status: shipper.status() }), data.statusMs ?? 1_000);
  // the loop, and the requests that pause it, one after another: two never ship the same journal at once
  let chain: Promise<void> = shipper.run();
  let waiting = 0;
  let stopped = false;
  const exclusive = (work: () => Promise<void>): void => {
    waiting += 1;
    shipper.stop();
    chain = chain.then(work).then(() => {
      waiting -= 1;
      if (waiting > 0 || stopped) return;
      shipper.resume();
      return shipper.run();
    });
  };
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'drain') {
      exclusive(async () => {
        const done = await shipper.drain(request.timeoutMs);
        post({ type: 'status', status: shipper.status() });
        post({ type: 'drained', id: request.id, done });
      });
    } else if (request.type === 'stop') {
      stopped = true;
      clearInterval(statusTimer);
      exclusive(async () => {
        const drained = await shipper.drain(request.timeoutMs);
        shipper.close();
        post({ type: 'status', status: shipper.status() });
        await sink.close().catch(() => undefined);
        post({ type: 'stopped', drained });
        port.close();
      });
    }
  });
}

void main().catch(async (error: unknown) => {
  // the main thread restarts a worker that ends; give it a moment so a persistent fault does not spin
  await sleep(500);
  throw error;
});
