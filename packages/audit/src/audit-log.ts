/**
 * The audit history as the answering thread sees it: a journal writer (records cost a few typed-array writes, see
 * journal/journal-writer.ts) and a worker thread that ships the journal into the database (worker.ts, shipper.ts). The worker
 * is restarted if it dies; the journal keeps everything meanwhile.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { JournalPosition } from './journal/format.js';
import { newJournalId } from './journal/journal-dirs.js';
import { JournalWriter } from './journal/journal-writer.js';
import type { ShipperStatus } from './shipper.js';
import type { AuditDatabase } from './sink/open-sink.js';
import type { AuditWorkerData, SerializedEvent, WorkerMessage, WorkerRequest } from './worker.js';

export interface AuditLogOptions {
  database: AuditDatabase;
  /** the directory holding the journals (`<dataDir>/audit/journal`) */
  journalRoot: string;
  /** what the worker reports (failures, recoveries, adopted orphans, torn blocks) */
  onEvent?: (event: SerializedEvent) => void;
  /** a journal write failed (it is retried) */
  onWriteError?: (error: unknown) => void;
  /** the worker ended unexpectedly (it is restarted) */
  onWorkerExit?: (error: unknown) => void;
  batchRows?: number;
  pollMs?: number;
  bufferBytes?: number;
  maxSegmentBytes?: number;
  orphanAfterMs?: number;
}

/** the built worker: from the sources (tests run them), the build's copy next to them */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../dist/worker.js', import.meta.url) : new URL('./worker.js', import.meta.url);
}

export class AuditLog {
  readonly writer: JournalWriter;
  readonly journalId: string;
  private worker: Worker | null = null;
  private readonly published = new SharedArrayBuffer(8);
  private lastStatus: ShipperStatus | null = null;
  private nextDrainId = 1;
  private readonly drains = new Map<number, (done: boolean) => void>();
  private stopping: Promise<boolean> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: AuditLogOptions) {
    this.journalId = newJournalId();
    this.writer = new JournalWriter({
      dir: join(options.journalRoot, this.journalId),
      published: new BigInt64Array(this.published),
      ...(options.onWriteError ? { onError: options.onWriteError } : {}),
      ...(options.bufferBytes !== undefined ? { bufferBytes: options.bufferBytes } : {}),
      ...(options.maxSegmentBytes !== undefined ? { maxSegmentBytes: options.maxSegmentBytes } : {}),
    });
    this.startWorker();
  }

  /** what the worker last said: shipped and published positions, failing attempts, orphans */
  status(): ShipperStatus | null {
    return this.lastStatus;
  }

  /** resolves true once every record written so far is in the database (false after `timeoutMs`) */
  drain(timeoutMs = 10_000): Promise<boolean> {
    this.writer.flush();
    const worker = this.worker;
    if (worker === null || this.stopping !== null) return Promise.resolve(false);
    const id = this.nextDrainId++;
    return new Promise((resolve) => {
      this.drains.set(id, resolve);
      worker.postMessage({ type: 'drain', id, timeoutMs } satisfies WorkerRequest);
    });
  }

  /**
   * Writes what is buffered, lets the worker ship for up to `timeoutMs`, and stops it. What is not shipped by then stays in the
   * journal, which the next process on this data directory adopts; true when everything was shipped.
   */
  close(timeoutMs = 5_000): Promise<boolean> {
    this.stopping ??= (async () => {
      if (this.restartTimer !== null) clearTimeout(this.restartTimer);
      this.writer.close();
      const worker = this.worker;
      if (worker === null) return false;
      const stopped = new Promise<boolean>((resolve) => {
        const onMessage = (m: WorkerMessage): void => {
          if (m.type === 'stopped') resolve(m.drained);
        };
        worker.on('message', onMessage);
        worker.once('exit', () => resolve(false));
      });
      worker.postMessage({ type: 'stop', timeoutMs } satisfies WorkerRequest);
      const drained = await stopped;
      await worker.terminate();
      this.worker = null;
      for (const resolve of this.drains.values()) resolve(false);
      this.drains.clear();
      return drained;
    })();
    return this.stopping;
  }

  /** the shipped position, from the worker's last status */
  shipped(): JournalPosition | null {
    return this.lastStatus?.shipped ?? null;
  }

  private startWorker(): void {
    const o = this.options;
    const data: AuditWorkerData = {
      database: o.database,
      root: o.journalRoot,
      ownId: this.journalId,
      published: this.published,
      ...(o.batchRows !== undefined ? { batchRows: o.batchRows } : {}),
      ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
      ...(o.orphanAfterMs !== undefined ? { orphanAfterMs: o.orphanAfterMs } : {}),
    };
    const worker = new Worker(workerUrl(), { workerData: data, name: 'jpki-validator audit' });
    // the worker never keeps the process alive by itself: close() ends it
    worker.unref();
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'status') this.lastStatus = m.status;
      else if (m.type === 'event') o.onEvent?.(m.event);
      else if (m.type === 'drained') {
        this.drains.get(m.id)?.(m.done);
        this.drains.delete(m.id);
      }
    });
    worker.on('error', (error) => o.onWorkerExit?.(error));
    worker.on('exit', (code) => {
      if (this.worker !== worker || this.stopping !== null) return;
      this.worker = null;
      for (const resolve of this.drains.values()) resolve(false);
      this.drains.clear();
      o.onWorkerExit?.(new Error(`the audit worker exited with code ${code}`));
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (this.stopping === null) this.startWorker();
      }, 1_000);
      this.restartTimer.unref();
    });
    this.worker = worker;
  }
}
