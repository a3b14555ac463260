/**
 * Webhook delivery through BullMQ: a pass's recorded batches are published as one job per (batch, webhook) with the batch id as
 * job id — publishing the same batch again after a crash is a no-op while the job exists (completed jobs are kept a week) — and
 * a worker POSTs it, retrying with capped exponential backoff until the receiver answers 2xx. Jobs carry the URL, never the
 * secret: the worker looks it up in the config.
 */
import { Queue, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { deliverBatch, secretFor, type WatchSinkConfig, type WebhookBatch, type WebhookQueue } from '@jpki-validator/watch';
import { DELIVERY_ATTEMPTS, DELIVERY_QUEUE, deliveryBackoffMs, type DeliveryJobData } from './queues.js';

export interface DeliveryOptions {
  connection: ConnectionOptions;
  /** BullMQ key prefix (default `bull`); tests use a random one */
  prefix?: string;
}

export class BullWebhookQueue implements WebhookQueue {
  readonly queue: Queue<DeliveryJobData>;
  /** jobs live in Redis: any process may publish what another staged */
  readonly local = false;

  constructor(options: DeliveryOptions) {
    this.queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
      connection: options.connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
    });
  }

  /** nothing to stage: the job id makes publishing idempotent */
  async stage(): Promise<void> {}

  async publish(batches: readonly WebhookBatch[]): Promise<void> {
    await this.queue.addBulk(
      batches.map((b) => ({
        name: 'deliver',
        data: { url: b.url, events: [...b.events] },
        opts: {
          jobId: b.batchId,
          attempts: DELIVERY_ATTEMPTS,
          backoff: { type: 'capped' },
          // kept a week so a re-publish of a delivered batch (crash after publishing, before recording it) is still recognised
          removeOnComplete: { age: 7 * 86_400 },
          removeOnFail: false,
        },
      })),
    );
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

export interface DeliveryWorkerOptions extends DeliveryOptions {
  sinks: readonly WatchSinkConfig[];
  backoffBaseMs?: number;
  onDelivered?: (url: string, events: number) => void;
  onFailed?: (url: string, error: Error) => void;
  /** the worker's own errors (a lost Redis connection); without a listener they would be thrown */
  onError?: (error: Error) => void;
}

export function startDeliveryWorker(options: DeliveryWorkerOptions): Worker<DeliveryJobData> {
  const worker = new Worker<DeliveryJobData>(
    DELIVERY_QUEUE,
    async (job) => {
      const secret = secretFor(options.sinks, job.data.url);
      if (secret === null) throw new UnrecoverableError(`webhook ${job.data.url} is not configured (any more): batch ${job.id} parked`);
      await deliverBatch(job.data.url, secret, job.data.events, job.id === undefined ? {} : { batchId: job.id });
      options.onDelivered?.(job.data.url, job.data.events.length);
    },
    {
      connection: options.connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      concurrency: 4,
      settings: { backoffStrategy: (attemptsMade: number) => deliveryBackoffMs(attemptsMade, options.backoffBaseMs) },
    },
  );
  worker.on('failed', (job, error) => job && options.onFailed?.(job.data.url, error));
  worker.on('error', (error) => options.onError?.(error));
  return worker;
}
