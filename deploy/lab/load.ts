/**
 * The load generator: `concurrency` loops, each sending a single status query or a batch (through HAProxy, with the API key)
 * and judging every answer against the simulator's truth as it arrives. Counted: requests, answers, failed requests (not a 200,
 * or no answer), wrong goods (fatal), wrong revokeds, unknowns (allowed during a fault, counted by detail), batches that mix two
 * generations within one CRL, latencies, and the time of each failure or unknown (for the recovery time).
 */
import type { Truth } from './truth.ts';

export interface LoadOptions {
  apiUrl: string;
  /** the loops take them in turn */
  apiKeys: readonly string[];
  truth: Truth;
  concurrency: number;
  /** items per batch request */
  batchSize: number;
  /** the share of requests that are batches (the rest single GETs) */
  batchShare: number;
}

export interface LoadStats {
  requests: number;
  answers: number;
  failed: number;
  wrongGood: number;
  wrongRevoked: number;
  unknown: number;
  unknownByDetail: Record<string, number>;
  mixedBatches: number;
  /** the first few mixed groups, each item with its answer and its listing in every served state (for the report) */
  mixedExamples: string[];
  p50Ms: number;
  p99Ms: number;
  /** ms since the epoch of each failed request or unknown answer */
  badTimes: number[];
  failures: Record<string, number>;
  durationMs: number;
}

/** a LoadStats with nothing counted yet */
export function emptyLoadStats(): LoadStats {
  return {
    requests: 0,
    answers: 0,
    failed: 0,
    wrongGood: 0,
    wrongRevoked: 0,
    unknown: 0,
    unknownByDetail: {},
    mixedBatches: 0,
    mixedExamples: [],
    p50Ms: 0,
    p99Ms: 0,
    badTimes: [],
    failures: {},
    durationMs: 0,
  };
}

interface Answer {
  status: 'good' | 'revoked' | 'unknown';
  detail?: string;
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0);

export class Load {
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private latencies: number[] = [];
  private readonly pending: { sample: number; status: 'good' | 'revoked' }[] = [];
  private readonly pendingGroups: { sample: number; status: 'good' | 'revoked' }[][] = [];
  private readonly t0 = Date.now();
  readonly stats: LoadStats = emptyLoadStats();
  /** the last successful answer of each sample: what a scenario polls to see a generation arrive */
  readonly lastAnswer = new Map<number, { status: Answer['status']; at: number }>();

  private readonly options: LoadOptions;
  constructor(options: LoadOptions) {
    this.options = options;
    for (let i = 0; i < options.concurrency; i++) this.loops.push(this.loop(i));
  }

  get concurrency(): number {
    return this.options.concurrency;
  }

  private pick(): number {
    return Math.floor(Math.random() * this.options.truth.samples.length);
  }

  private async loop(seed: number): Promise<void> {
    while (this.running) {
      const batch = Math.random() < this.options.batchShare;
      const samples = batch ? Array.from({ length: this.options.batchSize }, () => this.pick()) : [this.pick()];
      const started = performance.now();
      try {
        const answers = batch ? await this.batch(seed, samples) : [await this.single(seed, samples[0] as number)];
        this.latencies.push(performance.now() - started);
        this.stats.requests++;
        this.take(samples, answers);
      } catch (error) {
        this.stats.requests++;
        this.stats.failed++;
        this.stats.badTimes.push(Date.now());
        const key = error instanceof Error ? error.message.slice(0, 80) : String(error);
        this.stats.failures[key] = (this.stats.failures[key] ?? 0) + 1;
        // a refused connection fails in microseconds: do not spin
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  private headers(loop: number, json: boolean): Record<string, string> {
    const key = this.options.apiKeys[loop % this.options.apiKeys.length] ?? '';
    return json ? { 'x-api-key': key, 'content-type': 'application/json' } : { 'x-api-key': key };
  }

  private async single(loop: number, sample: number): Promise<Answer> {
    const s = this.options.truth.samples[sample];
    if (s === undefined) throw new Error('no sample');
    const res = await fetch(`${this.options.apiUrl}/v1/status/${s.caId}/${s.serial}`, {
      headers: this.headers(loop, false),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return JSON.parse(body) as Answer;
  }

  private async batch(loop: number, samples: number[]): Promise<Answer[]> {
    const items = samples.map((i, id) => {
      const s = this.options.truth.samples[i];
      return { issuer: s?.caId, serial: s?.serial, id: String(id) };
    });
    const res = await fetch(`${this.options.apiUrl}/v1/status/batch`, {
      method: 'POST',
      headers: this.headers(loop, true),
      body: JSON.stringify({ items }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    const { results } = JSON.parse(body) as { results: Answer[] };
    if (results.length !== samples.length) throw new Error(`batch: ${results.length} answers to ${samples.length} items`);
    return results;
  }

  private take(samples: number[], answers: Answer[]): void {
    const { truth } = this.options;
    const groups = new Map<string, { sample: number; status: 'good' | 'revoked' }[]>();
    const now = Date.now();
    answers.forEach((a, k) => {
      const sample = samples[k] as number;
      this.stats.answers++;
      this.lastAnswer.set(sample, { status: a.status, at: now });
      if (a.status === 'unknown') {
        this.stats.unknown++;
        this.stats.badTimes.push(now);
        const detail = a.detail ?? '?';
        this.stats.unknownByDetail[detail] = (this.stats.unknownByDetail[detail] ?? 0) + 1;
        return;
      }
      if (truth.judge(sample, a.status) === 'pending') this.pending.push({ sample, status: a.status });
      const crl = `${truth.samples[sample]?.caId}/${truth.samples[sample]?.crl}`;
      const group = groups.get(crl) ?? [];
      group.push({ sample, status: a.status });
      groups.set(crl, group);
    });
    if (samples.length > 1)
      for (const group of groups.values()) if (group.length > 1 && !truth.consistent(group)) this.pendingGroups.push(group);
  }

  /** Stops the loops, waits for the requests in flight, and judges what could not be judged while generations were recorded. */
  async stop(): Promise<LoadStats> {
    this.running = false;
    await Promise.all(this.loops);
    const { truth } = this.options;
    for (const { sample, status } of this.pending) {
      const verdict = truth.finalJudge(sample, status);
      if (verdict === 'wrong-good') this.stats.wrongGood++;
      if (verdict === 'wrong-revoked') this.stats.wrongRevoked++;
    }
    for (const group of this.pendingGroups) {
      if (truth.consistent(group)) continue;
      this.stats.mixedBatches++;
      if (this.stats.mixedExamples.length < 3) this.stats.mixedExamples.push(truth.describe(group));
    }
    const sorted = Float64Array.from(this.latencies).sort();
    this.latencies = [];
    this.stats.p50Ms = percentile(sorted, 0.5);
    this.stats.p99Ms = percentile(sorted, 0.99);
    this.stats.durationMs = Date.now() - this.t0;
    return this.stats;
  }
}
