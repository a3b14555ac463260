/** Calendar months in UTC: the audit history's partitions and its retention count in them. */

/** the first instant (ms) of the UTC month holding `ms` */
export function monthStartMs(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** the first instant of the month `n` months after the one starting at `startMs` */
export function addMonths(startMs: number, n: number): number {
  const d = new Date(startMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

/** `y2026m12`: the suffix of a month's partition name */
export function monthSuffix(startMs: number): string {
  const d = new Date(startMs);
  return `y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** the month a partition suffix names, or null */
export function parseMonthSuffix(suffix: string): number | null {
  const m = /^y(\d{4})m(\d{2})$/.exec(suffix);
  if (m === null) return null;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? Date.UTC(Number(m[1]), month - 1, 1) : null;
}

/**
 * A retention as the config writes it: `7y` (years), `18mo` (months) or `400d` (days); the cut-off `nowMs` minus it.
 * Years and months count calendar months back (7y from 2033-03-15 is 2026-03-15).
 */
export function retentionCutoffMs(retention: string, nowMs: number): number | null {
  const m = /^(\d+)(y|mo|d)$/.exec(retention.trim());
  if (m === null) return null;
  const n = Number(m[1]);
  if (m[2] === 'd') return nowMs - n * 86_400_000;
  const d = new Date(nowMs);
  const months = m[2] === 'y' ? n * 12 : n;
  return Date.UTC(
    d.getUTCFullYear(),
    d.getUTCMonth() - months,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}
