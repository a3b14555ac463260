/** Queue names and job shapes of the watcher, in one place. */
import type { WatchEvent } from '@jpki-validator/watch';

export const PASS_QUEUE = 'watch-pass';
export const DELIVERY_QUEUE = 'watch-webhooks';
export const SCHEDULER_ID = 'watch-pass-schedule';

export interface PassJobData {
  trigger: 'schedule' | 'switch' | 'manual';
  caId?: string;
  generation?: number;
}

/**
 * The pass job of one switch: every watcher process hears the same switch (Redis pub/sub) and adds a job under this id, so BullMQ
 * keeps one and M processes run one pass per switch. (BullMQ refuses custom ids with a single `:`; CA ids are slugs.) The store's
 * epoch is part of it: after a data loss generations count from 1 again, and a kept job of the lost epoch's generation 1 must not
 * swallow the pass of the new one.
 */
export function switchJobId(caId: string, generation: number, epoch = ''): string {
  return epoch === '' ? `switch-${caId}-${generation}` : `switch-${caId}-${epoch}-${generation}`;
}

export interface DeliveryJobData {
  url: string;
  events: WatchEvent[];
}

/** backoff between delivery attempts: 1 s doubling, capped at 10 min — a receiver down for a day is retried all day */
export function deliveryBackoffMs(attemptsMade: number, baseMs = 1000, capMs = 600_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
}

/** attempts before a batch is parked as failed (kept, never removed, for `retry`): about a week at the cap */
export const DELIVERY_ATTEMPTS = 1000;
