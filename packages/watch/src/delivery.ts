/**
 * Delivery from the record. A pass first records its events with the sinks they are owed to (one journal transaction); each
 * (pass, sink) then goes pending → staged → done, each step recorded in the journal before the next begins:
 *
 *   pending: stage    — write what the sink gets where it is not visible yet (a `.staged` file, staged outbox batches, nothing for
 *                       BullMQ); repeatable, it replaces a half-written attempt
 *   staged:  publish  — make it visible in one atomic step (rename; BullMQ add with the batch id as job id) that cannot happen
 *                       twice: a staged file already renamed is gone, a job id already added is a no-op
 *   done
 *
 * A process killed between any two steps resumes at the recorded state on the next pass (or delivery round), so every event
 * reaches every sink exactly once — a file line once, a webhook batch published once. (A webhook POST itself can still be
 * repeated when the process dies between the receiver's 2xx and removing the batch: it carries the same X-Batch-Id and the
 * same eventIds, by which a receiver drops it.)
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { crashPoint } from './crash-point.js';
import { eventsFileName, publishEventsFile, stageEventsFile } from './events-file.js';
import type { PendingPass } from './list/watch-state.js';
import type { WatchEvent } from './types.js';
import type { WatchWriter } from './watch-repository.js';
import type { WebhookBatch, WebhookQueue } from './webhook.js';

export type WatchSinkConfig = { file: string } | { webhook: string; secret: string };

export function sinkKey(sink: WatchSinkConfig): string {
  return 'file' in sink ? `file:${resolve(sink.file)}` : `webhook:${sink.webhook}`;
}

export interface DeliveryTarget {
  readonly key: string;
  stage(pass: PendingPass, events: () => AsyncIterable<string>): Promise<void>;
  publish(pass: PendingPass, events: () => AsyncIterable<string>): Promise<void>;
  /** whether this process may publish what `host` staged */
  canPublish(host: string | null): boolean;
  /** where the pass's events went (for reports) */
  describe(pass: PendingPass): string;
}

export class FileSinkTarget implements DeliveryTarget {
  readonly key: string;
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    this.key = `file:${dir}`;
  }

  stage(pass: PendingPass, events: () => AsyncIterable<string>): Promise<void> {
    return stageEventsFile(this.dir, eventsFileName(pass.detectedAt, pass.runId), events());
  }

  async publish(pass: PendingPass): Promise<void> {
    await publishEventsFile(this.dir, eventsFileName(pass.detectedAt, pass.runId));
  }

  /** the staged file lies in this host's directory */
  canPublish(host: string | null): boolean {
    return host === null || host === hostname();
  }

  describe(pass: PendingPass): string {
    return resolve(this.dir, eventsFileName(pass.detectedAt, pass.runId));
  }
}

/** events per webhook POST */
export const WEBHOOK_BATCH_EVENTS = 500;
/** batches handed to the queue at a time (a first pass over a big backlog is never all in memory) */
const BATCHES_PER_STEP = 20;

export class WebhookTarget implements DeliveryTarget {
  readonly key: string;
  readonly url: string;
  private readonly queue: WebhookQueue;
  private readonly batchEvents: number;

  constructor(url: string, queue: WebhookQueue, batchEvents = WEBHOOK_BATCH_EVENTS) {
    this.url = url;
    this.key = `webhook:${url}`;
    this.queue = queue;
    this.batchEvents = batchEvents;
  }

  async stage(pass: PendingPass, events: () => AsyncIterable<string>): Promise<void> {
    for await (const batches of this.batches(pass, events())) await this.queue.stage(batches);
  }

  async publish(pass: PendingPass, events: () => AsyncIterable<string>): Promise<void> {
    for await (const batches of this.batches(pass, events())) await this.queue.publish(batches);
  }

  canPublish(host: string | null): boolean {
    return !this.queue.local || host === null || host === hostname();
  }

  describe(pass: PendingPass): string {
    return `${this.url} (${Math.ceil(pass.events / this.batchEvents)} batches)`;
  }

  /** the pass's batches, a few at a time; a batch's id is fixed by the pass, the webhook and its position */
  private async *batches(pass: PendingPass, events: AsyncIterable<string>): AsyncGenerator<WebhookBatch[]> {
    const urlTag = createHash('sha256').update(this.url).digest('hex').slice(0, 8);
    let batch: WatchEvent[] = [];
    let group: WebhookBatch[] = [];
    let n = 0;
    const close = (): void => {
      group.push({ batchId: `${pass.runId}-${urlTag}-${String(n++).padStart(6, '0')}`, url: this.url, events: batch });
      batch = [];
    };
    for await (const text of events) {
      batch.push(JSON.parse(text) as WatchEvent);
      if (batch.length === this.batchEvents) close();
      if (group.length === BATCHES_PER_STEP) {
        yield group;
        group = [];
      }
    }
    if (batch.length > 0) close();
    if (group.length > 0) yield group;
  }
}

export interface DeliveryOutcome {
  /** (pass, sink) deliveries completed now */
  done: string[];
  /** still owed, and why */
  waiting: string[];
  errors: string[];
}

/** Brings every recorded pass's deliveries forward, oldest pass first. */
export async function deliverRecorded(w: WatchWriter, targetFor: (key: string) => DeliveryTarget | null): Promise<DeliveryOutcome> {
  const outcome: DeliveryOutcome = { done: [], waiting: [], errors: [] };
  const passes = [...w.state.pending.values()].sort((a, b) => a.begin - b.begin);
  for (const pass of passes) {
    for (const [key, sink] of [...pass.sinks]) {
      const target = targetFor(key);
      if (target === null) {
        outcome.waiting.push(`${pass.runId} → ${key}: no such sink configured here`);
        continue;
      }
      const events = () => w.passEvents(pass);
      try {
        if (sink.state === 'pending') {
          await target.stage(pass, events);
          crashPoint('delivery.staged');
          await w.delivery({ run: pass.runId, sink: key, state: 'staged' });
          crashPoint('delivery.staged-recorded');
        } else if (!target.canPublish(sink.host)) {
          outcome.waiting.push(`${pass.runId} → ${key}: staged on ${sink.host ?? 'another host'}, which publishes it`);
          continue;
        }
        await target.publish(pass, events);
        crashPoint('delivery.published');
        await w.delivery({ run: pass.runId, sink: key, state: 'done' });
        crashPoint('delivery.done');
        outcome.done.push(target.describe(pass));
      } catch (e) {
        outcome.errors.push(`${pass.runId} → ${key}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return outcome;
}
