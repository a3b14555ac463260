/**
 * wrk (Debian's `wrk`, C, one thread) as a second load generator for the status GET, beside autocannon. Two things autocannon
 * cannot give here: latencies finer than a whole millisecond (its histogram's floor, so a p99 of 1 vs 2 ms reads as 2×), and a
 * client cheap enough not to be the bottleneck — autocannon spends ~15–20 µs of CPU per response in the driver's process, so
 * its figures also measure how fast it parses each server's answer (a validator answer carries a request id header and, when
 * revoked, a longer body than the bare app's constant `good`).
 * The Lua script cycles through the given paths and prints exact percentiles (µs) at the end.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { LoadResult } from './api-autocannon.js';

const run = promisify(execFile);

/** `wrk -v`'s first line, or null when wrk is not installed (the wrk rounds are then skipped and the section says so) */
export async function wrkVersion(): Promise<string | null> {
  try {
    const { stdout, stderr } = await run('wrk', ['-v']).catch((e: { stdout?: string; stderr?: string }) => ({
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }));
    const line = `${stdout}${stderr}`.split('\n').find((l) => l.startsWith('wrk '));
    return line === undefined ? null : (line.split(' [')[0] ?? line).trim();
  } catch {
    return null;
  }
}

export interface WrkOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** GET these paths in turn */
  paths: readonly string[];
  /** where the Lua script is written */
  scriptFile: string;
}

/** the command line, for RESULTS.md */
export function wrkLine(connections: string, durationSeconds: number, scriptFile: string): string {
  return `wrk -t1 -c${connections} -d${durationSeconds}s -s ${scriptFile} <server url>`;
}

export async function writeWrkScript(file: string, paths: readonly string[]): Promise<void> {
  const lua = [
    `local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }`,
    'local i = 0',
    'request = function()',
    '  i = i + 1',
    '  if i > #paths then i = 1 end',
    '  return wrk.format("GET", paths[i])',
    'end',
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format("WRK_RESULT {\\"requests\\":%d,\\"durationUs\\":%d,\\"bytes\\":%d,\\"errors\\":%d,\\"non2xx\\":%d,\\"timeouts\\":%d,\\"meanUs\\":%.2f,\\"p50Us\\":%d,\\"p99Us\\":%d,\\"maxUs\\":%d}\\n",',
    '    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write, e.status, e.timeout, latency.mean, latency:percentile(50), latency:percentile(99), latency.max))',
    'end',
    '',
  ].join('\n');
  await writeFile(file, lua);
}

interface WrkResult {
  requests: number;
  durationUs: number;
  bytes: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

export async function runWrk(options: WrkOptions): Promise<LoadResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.durationSeconds}s`, '-s', options.scriptFile, options.url];
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 });
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (line === undefined) throw new Error(`wrk printed no result: ${stdout.slice(0, 500)}`);
  const r = JSON.parse(line.slice('WRK_RESULT '.length)) as WrkResult;
  const seconds = r.durationUs / 1e6;
  return {
    connections: options.connections,
    durationSeconds: seconds,
    requestsPerSecond: r.requests / seconds,
    totalRequests: r.requests,
    latencyMeanMs: r.meanUs / 1000,
    latencyP50Ms: r.p50Us / 1000,
    latencyP99Ms: r.p99Us / 1000,
    latencyMaxMs: r.maxUs / 1000,
    bytesPerSecond: r.bytes / seconds,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  };
}
