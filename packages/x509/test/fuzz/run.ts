/**
 * The fuzz runner: cases of one target in worker threads, each with a heap limit (bounded memory) and watched for progress (a
 * case that runs past `hangMs` is a hang). A worker that hangs or dies is replaced and the run goes on after the case that did
 * it, which is reported with its index: `--seed S --from I --cases 1` replays it alone.
 */
import { Worker } from 'node:worker_threads';
import { fuzzCase } from './cases.ts';
import { parseTree } from './der-tree.ts';
import type { FuzzSeed, FuzzTarget } from './targets.ts';
import { SLOT, type FailureMessage, type WorkerInput } from './protocol.ts';

export interface FuzzOptions {
  target: FuzzTarget;
  seeds: FuzzSeed[];
  /** the run's seed: the same seed, the same cases */
  seed: number;
  cases: number;
  /** first case index (default 0) */
  from?: number;
  /** a case running longer than this is a hang (default 10 000 ms) */
  hangMs?: number;
  /** heap limit of each worker (default 256 MB) */
  maxHeapMb?: number;
  /** worker threads sharing the cases (default 1) */
  workers?: number;
  /** called about once a second with the cases tried so far */
  onProgress?: (tried: number) => void;
}

export interface FuzzFailure {
  index: number;
  seedName: string;
  violation: string;
  message: string;
  inputHex: string;
}

export interface FuzzReport {
  target: FuzzTarget;
  seed: number;
  from: number;
  cases: number;
  tried: number;
  handled: number;
  wrongGood: number;
  /** inputs that parsed (the rest were refused with a typed error) */
  accepted: number;
  failures: FuzzFailure[];
  ms: number;
}

interface RangeTally {
  tried: number;
  handled: number;
  wrongGood: number;
  accepted: number;
  failures: FuzzFailure[];
}

const POLL_MS = 100;

/** cases [from, to) in one worker at a time, replacing a worker that hangs or dies */
async function runRange(
  options: FuzzOptions,
  from: number,
  to: number,
  tick: (range: RangeTally, live: Int32Array) => void,
): Promise<RangeTally> {
  const tally: RangeTally = { tried: 0, handled: 0, wrongGood: 0, accepted: 0, failures: [] };
  let start = from;
  while (start < to) {
    const shared = new SharedArrayBuffer(8 * Int32Array.BYTES_PER_ELEMENT);
    const counters = new Int32Array(shared);
    const input: WorkerInput = { target: options.target, seed: options.seed, from: start, to, seeds: options.seeds, shared };
    const worker = new Worker(new URL('./worker.ts', import.meta.url), {
      workerData: input,
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 256, maxYoungGenerationSizeMb: 32 },
      stdout: true,
      stderr: true,
    });
    const ended = await new Promise<{ kind: 'done' } | { kind: 'hang' | 'died'; message: string }>((resolve) => {
      let last = -1;
      let lastChange = Date.now();
      const timer = setInterval(() => {
        tick(tally, counters);
        const current = Atomics.load(counters, SLOT.current);
        if (current !== last) {
          last = current;
          lastChange = Date.now();
        } else if (current > 0 && Date.now() - lastChange > (options.hangMs ?? 10_000) && Atomics.load(counters, SLOT.done) === 0) {
          clearInterval(timer);
          void worker.terminate();
          resolve({ kind: 'hang', message: `no progress for ${options.hangMs ?? 10_000} ms` });
        }
      }, POLL_MS);
      worker.on('message', (m: FailureMessage | { type: 'done' }) => {
        if (m.type === 'failure') tally.failures.push({ ...m });
        else {
          clearInterval(timer);
          resolve({ kind: 'done' });
        }
      });
      worker.on('error', (error: Error & { code?: string }) => {
        clearInterval(timer);
        resolve({ kind: 'died', message: `${error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash'}: ${error.message}` });
      });
      worker.on('exit', () => {
        clearInterval(timer);
        resolve({ kind: 'died', message: 'worker exited' });
      });
    });
    await worker.terminate();
    tally.tried += Atomics.load(counters, SLOT.tried);
    tally.handled += Atomics.load(counters, SLOT.handled);
    tally.wrongGood += Atomics.load(counters, SLOT.wrongGood);
    tally.accepted += Atomics.load(counters, SLOT.accepted);
    if (ended.kind === 'done') break;
    // the case in flight when the worker hung or died: counted as tried, reported, and skipped
    const current = Atomics.load(counters, SLOT.current);
    const index = start + Math.max(0, current - 1);
    tally.tried++;
    const trees = options.seeds.map((s) => ({ der: s.der, tree: parseTree(s.der) }));
    const replay = fuzzCase(trees, options.seed, index);
    tally.failures.push({
      index,
      seedName: options.seeds[replay.seedIndex]?.name ?? '?',
      violation: ended.kind === 'hang' ? 'hang' : 'died',
      message: ended.message,
      inputHex: Buffer.from(replay.input.subarray(0, 16_384)).toString('hex'),
    });
    start = index + 1;
  }
  return tally;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const from = options.from ?? 0;
  const workers = Math.max(1, Math.min(options.workers ?? 1, options.cases));
  const per = Math.ceil(options.cases / workers);
  let lastTick = Date.now();
  const live = new Map<RangeTally, Int32Array>();
  const tick = (range: RangeTally, counters: Int32Array): void => {
    live.set(range, counters);
    if (options.onProgress && Date.now() - lastTick >= 1000) {
      lastTick = Date.now();
      let tried = 0;
      for (const [r, c] of live) tried += r.tried + Atomics.load(c, SLOT.tried);
      options.onProgress(tried);
    }
  };
  const ranges: Promise<RangeTally>[] = [];
  for (let w = 0; w < workers; w++) {
    const lo = from + w * per;
    const hi = Math.min(from + options.cases, lo + per);
    if (lo < hi) ranges.push(runRange(options, lo, hi, tick));
  }
  const tallies = await Promise.all(ranges);
  const sum = (k: 'tried' | 'handled' | 'wrongGood' | 'accepted'): number => tallies.reduce((n, t) => n + t[k], 0);
  return {
    target: options.target,
    seed: options.seed,
    from,
    cases: options.cases,
    tried: sum('tried'),
    handled: sum('handled'),
    wrongGood: sum('wrongGood'),
    accepted: sum('accepted'),
    failures: tallies.flatMap((t) => t.failures).sort((a, b) => a.index - b.index),
    ms: Date.now() - started,
  };
}
