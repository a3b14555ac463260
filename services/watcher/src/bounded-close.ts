/** Shutdown steps that may wait on a Redis that is down: waited for, but only so long. */
import { settledWithin } from '@jpki-validator/store';

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
