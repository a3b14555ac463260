/**
 * One run at a time, and at most one waiting: a request while a run is under way joins the single run queued behind it, since
 * that run will see everything the request wanted seen (a pass reads the newest generation of every CA; a delivery round reads
 * every pending batch). Ten switches during a long pass cost one more pass, not ten.
 */
export interface Coalescer<T> {
  request(): Promise<T>;
  /** settles when the running and the waiting run (if any) have finished */
  idle(): Promise<void>;
}

export function coalesce<T>(run: () => Promise<T>): Coalescer<T> {
  let tail: Promise<unknown> = Promise.resolve();
  let waiting: Promise<T> | null = null;
  return {
    request() {
      if (waiting !== null) return waiting;
      const next = tail.then(() => {
        waiting = null;
        return run();
      });
      waiting = next;
      tail = next.catch(() => undefined);
      return next;
    },
    async idle() {
      await tail;
    },
  };
}
