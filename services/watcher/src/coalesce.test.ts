import { describe, expect, it } from 'vitest';
import { coalesce } from './coalesce.js';

/** a run the test finishes by hand */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('coalesce', () => {
  it('runs one at a time; requests during a run share the one run queued behind it', async () => {
    const gates = [gate(), gate()];
    let started = 0;
    const runs = coalesce(async () => {
      const n = started++;
      await gates[n]?.promise;
      return n;
    });
    const first = runs.request();
    await Promise.resolve();
    const second = runs.request();
    const third = runs.request();
    expect(second).toBe(third);
    expect(started).toBe(1);
    gates[0]?.open();
    expect(await first).toBe(0);
    gates[1]?.open();
    expect(await second).toBe(1);
    expect(started).toBe(2);
    // after both settled, a request starts a new run
    gates.push(gate());
    const fourth = runs.request();
    gates[2]?.open();
    expect(await fourth).toBe(2);
  });

  it('a failed run rejects its callers and does not block the next', async () => {
    let calls = 0;
    const runs = coalesce(async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return calls;
    });
    await expect(runs.request()).rejects.toThrow('boom');
    expect(await runs.request()).toBe(2);
    await runs.idle();
  });
});
