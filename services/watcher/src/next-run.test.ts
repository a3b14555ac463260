import { describe, expect, it } from 'vitest';
import { nextRunMs } from './next-run.js';

describe('nextRunMs', () => {
  it('reads a cron pattern in the configured time zone: 09:00 in Tokyo is midnight UTC', () => {
    const after = Date.parse('2026-01-01T00:30:00Z'); // 09:30 in Tokyo: today's run is past
    expect(new Date(nextRunMs({ cron: '0 9 * * *' }, after, 'Asia/Tokyo')).toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(new Date(nextRunMs({ cron: '0 9 * * *' }, after, 'UTC')).toISOString()).toBe('2026-01-01T09:00:00.000Z');
  });

  it('adds an interval to the moment asked about', () => {
    expect(nextRunMs({ intervalMs: 15 * 60_000 }, 1_000, 'Asia/Tokyo')).toBe(1_000 + 15 * 60_000);
  });

  it('throws for a pattern it cannot read', () => {
    expect(() => nextRunMs({ cron: '61 25 * * *' }, 0, 'Asia/Tokyo')).toThrow();
  });
});
