export { createWatcher, type Watcher, type WatcherOptions } from './watcher.js';
export { BullWebhookQueue, startDeliveryWorker, type DeliveryOptions, type DeliveryWorkerOptions } from './delivery.js';
export { PASS_QUEUE, DELIVERY_QUEUE, SCHEDULER_ID, deliveryBackoffMs, type PassJobData, type DeliveryJobData } from './queues.js';
