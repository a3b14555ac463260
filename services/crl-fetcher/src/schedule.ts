import { CronExpressionParser } from 'cron-parser';
import type { IssuerConfig } from '@jpki-validator/config';

/** A run soon after nextUpdate, not at it: the CA publishes around that instant and clocks differ. */
export const DEFAULT_NEXT_UPDATE_OFFSET_MS = 60_000;

/** Cron patterns in the config are read in this zone (the product's one zone, as for the watch schedule). */
export const DEFAULT_CRON_TIME_ZONE = 'Asia/Tokyo';

/** When a partition's refresh schedule next fires after `afterMs`. */
export function nextRefreshMs(refresh: IssuerConfig['refresh'], afterMs: number, timeZone = DEFAULT_CRON_TIME_ZONE): number {
  if ('intervalMs' in refresh) return afterMs + refresh.intervalMs;
  return CronExpressionParser.parse(refresh.cron, { currentDate: new Date(afterMs), tz: timeZone })
    .next()
    .getTime();
}

/** When to fetch again because the loaded CRL expires: null when it has no nextUpdate or that moment is not ahead. */
export function nextUpdateRunMs(nextUpdate: string | null, nowMs: number, offsetMs = DEFAULT_NEXT_UPDATE_OFFSET_MS): number | null {
  if (nextUpdate === null) return null;
  const at = Date.parse(nextUpdate) + offsetMs;
  return at > nowMs ? at : null;
}
