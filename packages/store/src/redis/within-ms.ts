/** Waiting on a Redis that may not answer, but only so long: the readers' catch-ups and the processes' shutdowns. */
import { StoreError } from '../errors.js';

/**
 * `work`, or a STORE_UNAVAILABLE rejection once it has waited `ms` (`work` itself runs on; its late outcome is dropped). For the
 * reads a long-lived reader queues one behind another: one that never settles must not hold up every later one.
 */
export function withinMs<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreError('STORE_UNAVAILABLE', `${what}: Redis did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  work.catch(() => undefined); // a rejection after the deadline is not unhandled
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** true when `work` settled (resolved or rejected) within `ms`; false when the deadline came first (`work` keeps running) */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      work.then(
        () => true as const,
        () => true as const,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
