import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** GNU time: reports the child's peak RSS ("Maximum resident set size") from wait4's rusage, which Node cannot give for a child. */
export const GNU_TIME = '/usr/bin/time';

export interface Measurement {
  /** the command as run, for RESULTS.md */
  commandLine: string;
  /** wall time of the whole process (start-up included), measured by the parent */
  wallSeconds: number;
  /** peak RSS of the process in KiB, from GNU time; null when GNU time is missing */
  maxRssKib: number | null;
  /** user + system CPU seconds of the process, from GNU time (less distorted than wall time on a loaded machine); null without it */
  cpuSeconds: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one command in its own process so its peak RSS is its own, wrapped in `/usr/bin/time -v -o FILE` when that exists (the
 * report goes to a file so the child's stderr stays its own). Paths in `args` are relative to `cwd`, so the command line shown
 * in RESULTS.md can be pasted into a shell there (`env`, when given, replaces the environment). Rejects, with the child's stderr, when it exits non-zero.
 */
export async function measure(command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Measurement> {
  const dir = await mkdtemp(join(tmpdir(), 'jpki-bench-'));
  const timeFile = join(dir, 'time.txt');
  const gnuTime = existsSync(GNU_TIME);
  const [file, argv] = gnuTime ? [GNU_TIME, ['-v', '-o', timeFile, command, ...args]] : [command, [...args]];
  try {
    const start = process.hrtime.bigint();
    const [stdout, stderr] = await new Promise<[string, string]>((resolve, reject) => {
      execFile(
        file,
        argv,
        { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...(env === undefined ? {} : { env }) },
        (error, out, err) => {
          if (error) reject(new Error(`${[command, ...args].join(' ')} failed: ${error.message}\n${err}`));
          else resolve([out, err]);
        },
      );
    });
    const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const timeOutput = gnuTime ? await readFile(timeFile, 'utf8') : null;
    const maxRssKib = timeOutput === null ? null : parseMaxRssKib(timeOutput);
    const cpuSeconds = timeOutput === null ? null : parseCpuSeconds(timeOutput);
    const shown = command === process.execPath ? 'node' : command;
    return { commandLine: [shown, ...args].join(' '), wallSeconds, maxRssKib, cpuSeconds, stdout, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The "Maximum resident set size (kbytes): N" line of `time -v` output, in KiB (GNU time's "kbytes" are KiB, from ru_maxrss). */
export function parseMaxRssKib(timeOutput: string): number {
  const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(timeOutput);
  if (match?.[1] === undefined) throw new Error(`no "Maximum resident set size" in time output: ${timeOutput.slice(0, 300)}`);
  return Number(match[1]);
}

/** "User time (seconds)" plus "System time (seconds)" of `time -v` output; null when either is missing */
export function parseCpuSeconds(timeOutput: string): number | null {
  const user = /User time \(seconds\): ([\d.]+)/.exec(timeOutput)?.[1];
  const system = /System time \(seconds\): ([\d.]+)/.exec(timeOutput)?.[1];
  return user === undefined || system === undefined ? null : Number(user) + Number(system);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] ?? NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? NaN) + upper) / 2;
}
