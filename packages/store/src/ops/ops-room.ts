/**
 * The store's room for operations history (what the console shows): capped lists of JSON lines, newest first, and counters per
 * day. Both stay small by construction — a list never holds more than its cap, a day is a handful of counters, and days older
 * than DAYS_KEPT are dropped — so the history is durable beside the revocation data without growing with it.
 */
/** what one event writes: lines into lists and counts into a day, in one step where the store allows */
export interface OpsWrite {
  lines?: readonly { list: string; line: string; cap: number }[];
  day?: { day: string; counts: Readonly<Record<string, number>> };
}

export interface OpsRoom {
  /** adds one line at the head of a list, dropping what falls beyond `cap` */
  push(list: string, line: string, cap: number): Promise<void>;
  /** several pushes and a day's counts together (the embedded store takes its lock once) */
  write(batch: OpsWrite): Promise<void>;
  /**
   * Lines newest first: `count` from `offset`, of the newest `cap` (the cap the list is pushed with: a file-backed list may hold
   * more until it is next compacted, and readers show the same as Redis would).
   */
  range(list: string, cap: number, offset: number, count: number): Promise<string[]>;
  /** lines the list holds, at most `cap` */
  length(list: string, cap: number): Promise<number>;
  /** adds each count to the day's counter of that name (a day: YYYY-MM-DD in JST) */
  addCounts(day: string, counts: Readonly<Record<string, number>>): Promise<void>;
  /** the counters of each day asked for, in order ({} for a day with none) */
  countsOf(days: readonly string[]): Promise<Record<string, number>[]>;
}

/** a year and a month: what the console's longest chart reaches back, with room */
export const DAYS_KEPT = 400;
