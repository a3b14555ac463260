import type { EventFilter, WatchEvent } from './types.js';

/** `watch events --since --meaning` */
export function matchesFilter(e: WatchEvent, filter: EventFilter): boolean {
  if (filter.sinceMs !== undefined && Date.parse(e.detectedAt) < filter.sinceMs) return false;
  return filter.meaning === undefined || e.meaning === filter.meaning;
}
