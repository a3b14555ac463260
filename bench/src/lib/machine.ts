import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  openssl: string;
  memoryGiB: number;
  /** 1-minute load average when the run started: these machines are shared, so a busy start explains odd figures */
  loadAtStart: number;
  date: string;
  /**
   * the last commit touching packages/x509 (the scanner measured), with "+ uncommitted changes" when its tree differs: the
   * scanner is developed alongside, so a figure is only meaningful with the code it measured
   */
  x509Version: string;
}

export function describeMachine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
  return {
    nproc: availableParallelism(),
    cpuModel: model.trim(),
    node: process.version,
    openssl: execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim(),
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    loadAtStart: loadavg()[0] ?? NaN,
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    x509Version: x509Version(),
  };
}

function x509Version(): string {
  const repo = new URL('../../../', import.meta.url);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  try {
    const commit = git('log', '-1', '--format=%h %s', '--', 'packages/x509');
    const dirty = git('status', '--porcelain', '--', 'packages/x509') !== '';
    return `${commit}${dirty ? ' + uncommitted changes' : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}
