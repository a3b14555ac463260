/**
 * What a subject's child process prints on stdout as its last line: one JSON object. The parent measures wall time and peak RSS
 * from outside (`/usr/bin/time -v`); the child adds the time of the work alone (without Node start-up and imports) and what it
 * checked, so a wrong answer is never reported as a fast one.
 */
export interface ChildReport {
  /** seconds spent on the work itself, measured inside the child */
  workSeconds: number;
  /** process.resourceUsage().maxRSS in KiB: the fallback when /usr/bin/time is missing */
  maxRssKib: number;
  /** subject-specific facts (entry count, signature, digest…) */
  facts: Record<string, string | number | boolean>;
}

/** Prints the report; called once, at the end of a child. */
export function printReport(workSeconds: number, facts: ChildReport['facts']): void {
  const report: ChildReport = { workSeconds, maxRssKib: process.resourceUsage().maxRSS, facts };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Reads the report from a child's stdout (its last non-empty line). */
export function parseReport(stdout: string): ChildReport {
  const lines = stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  const value: unknown = JSON.parse(last);
  if (typeof value !== 'object' || value === null || !('workSeconds' in value) || !('maxRssKib' in value) || !('facts' in value)) {
    throw new Error(`child printed no report: ${last.slice(0, 200)}`);
  }
  return value as ChildReport;
}

/** Seconds since `start` (a process.hrtime.bigint() reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The positional argument at `index`, or a usage error naming it. */
export function arg(index: number, name: string): string {
  const value = process.argv[2 + index];
  if (value === undefined) throw new Error(`missing argument ${index + 1}: ${name}`);
  return value;
}
