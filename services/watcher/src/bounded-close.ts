/** Shutdown steps that may wait on a Redis that is down: waited for, but only so long. */

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

/** true when `probe` (one cheap command, e.g. a queue's count) resolves within `ms`: Redis answers */
export async function answersWithin(probe: () => Promise<unknown>, ms = 500): Promise<boolean> {
  let answered = false;
  await settledWithin(
    probe().then(() => {
      answered = true;
    }),
    ms,
  );
  return answered;
}
