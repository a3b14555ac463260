/** Days as operators in Japan count them: YYYY-MM-DD in JST (UTC+9, no daylight saving). */
const JST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

export function jstDay(ms: number): string {
  return new Date(ms + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/** the days from `fromDay` to `toDay`, both included, oldest first (at most `max`, the latest kept) */
export function jstDaysBetween(fromDay: string, toDay: string, max: number): string[] {
  const from = Date.parse(`${fromDay}T00:00:00Z`);
  const to = Date.parse(`${toDay}T00:00:00Z`);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) return [];
  const start = Math.max(from, to - (max - 1) * DAY_MS);
  const days: string[] = [];
  for (let t = start; t <= to; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** whether a day is older than `keepDays` before `today` */
export function dayExpired(day: string, today: string, keepDays: number): boolean {
  return Date.parse(`${today}T00:00:00Z`) - Date.parse(`${day}T00:00:00Z`) >= keepDays * DAY_MS;
}
