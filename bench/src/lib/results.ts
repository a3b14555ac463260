import type { ChildReport } from './child-report.js';
import { median, type Measurement } from './measure.js';

/** One run of one subject. */
export interface Run {
  wallSeconds: number;
  /** the work alone, as the child measured it; for openssl (no inside view) the wall time */
  workSeconds: number;
  /** peak RSS in KiB (GNU time; the child's own maxRSS when GNU time is missing; null for openssl without GNU time) */
  maxRssKib: number | null;
}

export interface SubjectResult {
  commandLine: string;
  runs: Run[];
  /** what the child checked, from its last run */
  facts: ChildReport['facts'];
}

export interface SizeResult {
  /** the size asked for (100 000, 1 000 000, 5 000 000); the simulator lists about that many */
  targetEntries: number;
  entries: number;
  bytes: number;
  simWrite: SubjectResult;
  /** subject (a): createReadStream, 1 MiB chunks */
  scanVerify: SubjectResult;
  /** the same scan fed from one reused 1 MiB buffer (FileHandle.read) */
  scanReused: SubjectResult;
  openssl: SubjectResult;
  /** SHA-256 of the bytes, read as (a) reads them */
  sha256: SubjectResult;
  /** SHA-256 of the bytes, read into one reused buffer */
  sha256Reused: SubjectResult;
  pkijs: SubjectResult | null;
}

export function toRun(m: Measurement, report: ChildReport | null): Run {
  return {
    wallSeconds: m.wallSeconds,
    workSeconds: report?.workSeconds ?? m.wallSeconds,
    maxRssKib: m.maxRssKib ?? report?.maxRssKib ?? null,
  };
}

export function addRun(into: SubjectResult | null, m: Measurement, report: ChildReport | null): SubjectResult {
  const run = toRun(m, report);
  if (into === null) return { commandLine: m.commandLine, runs: [run], facts: report?.facts ?? {} };
  into.runs.push(run);
  if (report !== null) into.facts = report.facts;
  return into;
}

export const medianWall = (s: SubjectResult): number => median(s.runs.map((r) => r.wallSeconds));
export const medianWork = (s: SubjectResult): number => median(s.runs.map((r) => r.workSeconds));

/** The highest peak RSS over the runs, in MB (10^6 bytes), or null when unknown: the worst run is what a deployment must fit. */
export function peakRssMb(s: SubjectResult): number | null {
  const known = s.runs.flatMap((r) => (r.maxRssKib === null ? [] : [r.maxRssKib]));
  return known.length === 0 ? null : (Math.max(...known) * 1024) / 1e6;
}
