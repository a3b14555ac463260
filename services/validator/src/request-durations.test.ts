import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestDurations } from './request-durations.js';

const BUCKETS = [0.001, 0.01, 0.1];
const SECONDS = [0.0005, 0.001, 0.002, 0.01, 0.05, 0.1, 0.5, 3];

describe('RequestDurations', () => {
  it("writes the exposition prom-client's own Histogram writes for the same observations", async () => {
    const ours = new Registry();
    const durations = new RequestDurations('d_seconds', 'request duration', BUCKETS);
    ours.registerMetric(durations.asMetric());
    const theirs = new Registry();
    const histogram = new Histogram({
      name: 'd_seconds',
      help: 'request duration',
      labelNames: ['route'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    for (const [i, s] of SECONDS.entries()) {
      const route = i % 3 === 0 ? '/a' : '/b';
      durations.observe(route, s);
      histogram.observe({ route }, s);
    }
    const lines = async (r: Registry): Promise<string[]> => (await r.metrics()).trim().split('\n').sort();
    expect(await lines(ours)).toEqual(await lines(theirs));
    expect(await ours.metrics()).toContain('d_seconds_bucket{le="0.001",route="/a"} 1');
    durations.reset();
    expect(await ours.metrics()).not.toContain('d_seconds_bucket');
  });
});
