import { CronExpressionParser } from 'cron-parser';

export type WatchSchedule = { intervalMs: number } | { cron: string };

/**
 * When the watch schedule next fires after `afterMs`: the interval from now, or the cron pattern's next instant read in
 * `timeZone` (`0 9 * * *` in Asia/Tokyo is 00:00 UTC). Throws cron-parser's error for a pattern it cannot read.
 */
export function nextRunMs(schedule: WatchSchedule, afterMs: number, timeZone: string): number {
  if ('intervalMs' in schedule) return afterMs + schedule.intervalMs;
  return CronExpressionParser.parse(schedule.cron, { currentDate: new Date(afterMs), tz: timeZone })
    .next()
    .getTime();
}
