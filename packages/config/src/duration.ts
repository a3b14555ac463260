const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `"2s"`, `"15m"`, `"24h"`, `"1d"`, `"500ms"` → milliseconds; undefined when the text is not an interval (it may be a cron). */
export function parseIntervalMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = UNIT_MS[m[2] as string];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** A five- or six-field cron expression (validated loosely here; BullMQ's parser is the judge when scheduling). */
export function looksLikeCron(text: string): boolean {
  const fields = text.trim().split(/\s+/);
  return (fields.length === 5 || fields.length === 6) && fields.every((f) => /^[\d*/,\-A-Za-z?LW#]+$/.test(f));
}
