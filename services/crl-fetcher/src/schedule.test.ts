import { describe, expect, it } from 'vitest';
import { nextRefreshMs, nextUpdateRunMs } from './schedule.js';

describe('refresh schedule', () => {
  const t0 = Date.parse('2026-11-24T00:30:00Z');
  it('an interval fires that long after', () => {
    expect(nextRefreshMs({ intervalMs: 900_000 }, t0)).toBe(t0 + 900_000);
  });
  it('a cron pattern is read in the configured zone (03:00 Asia/Tokyo is 18:00 UTC the day before)', () => {
    expect(new Date(nextRefreshMs({ cron: '0 3 * * *' }, t0, 'Asia/Tokyo')).toISOString()).toBe('2026-11-24T18:00:00.000Z');
    expect(new Date(nextRefreshMs({ cron: '0 3 * * *' }, t0, 'UTC')).toISOString()).toBe('2026-11-24T03:00:00.000Z');
  });
  it('a nextUpdate run is the offset after nextUpdate, and none for a CRL without nextUpdate or one already past', () => {
    expect(nextUpdateRunMs('2026-11-25T00:00:00Z', t0, 60_000)).toBe(Date.parse('2026-11-25T00:01:00Z'));
    expect(nextUpdateRunMs(null, t0)).toBeNull();
    expect(nextUpdateRunMs('2026-11-23T00:00:00Z', t0)).toBeNull();
  });
});
