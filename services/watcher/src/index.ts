export { createWatcher, type Watcher, type WatcherOptions } from './watcher.js';
export { BullWebhookQueue, startDeliveryWorker, type DeliveryOptions, type DeliveryWorkerOptions } from './delivery.js';
export {
  PASS_QUEUE,
  DELIVERY_QUEUE,
  SCHEDULER_ID,
  switchJobId,
  deliveryBackoffMs,
  type PassJobData,
  type DeliveryJobData,
} from './queues.js';
export { startEmbeddedWatchRunner, type EmbeddedWatchRunner, type EmbeddedWatchRunnerOptions } from './embedded-runner.js';
export { startWatchJob, snapshotReader, describeWatchSchedule, type StartWatchJobOptions, type RunningWatchJob } from './watch-job.js';
export { nextRunMs, type WatchSchedule } from './next-run.js';
export { coalesce, type Coalescer } from './coalesce.js';
export { createWatchMetrics, type WatchMetrics } from './metrics.js';
