/**
 * autocannon 8 (root node_modules) with the few options and result fields the API benchmarks use. autocannon ships no types and
 * @types/autocannon is not installed, so it is loaded with `require` and typed here by the fields read (autocannon `lib/run.js`,
 * `lib/aggregateResult.js`). Latencies are milliseconds from autocannon's HDR histogram (1 ms lowest discernible value: p50/p99
 * below a few ms are coarse; the mean is exact).
 */
import { createRequire } from 'node:module';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** cycled through by every connection (autocannon builds each request's bytes once) */
  requests: readonly LoadRequest[];
  /** per request; autocannon counts a timeout as an error (default 10) */
  timeoutSeconds?: number;
  /**
   * GET these paths in turn from ONE counter shared by all connections, instead of `requests`: requests in flight together then
   * ask different things (the validator shares one OCSP query among concurrent identical questions, which would hide the
   * per-request cost). Built per request by autocannon's setupRequest, a little more client CPU.
   */
  distinctPaths?: readonly string[];
}

export interface LoadResult {
  connections: number;
  durationSeconds: number;
  requestsPerSecond: number;
  totalRequests: number;
  latencyMeanMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  bytesPerSecond: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

interface AutocannonPercentiles {
  mean: number;
  average: number;
  p50: number;
  p99: number;
  max: number;
  total: number;
}

interface AutocannonResult {
  duration: number;
  requests: AutocannonPercentiles;
  latency: AutocannonPercentiles;
  throughput: AutocannonPercentiles;
  errors: number;
  timeouts: number;
  non2xx: number;
}

interface AutocannonRequest extends Partial<LoadRequest> {
  setupRequest?: (request: LoadRequest) => LoadRequest;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  timeout: number;
  requests: AutocannonRequest[];
}

type Autocannon = (options: AutocannonOptions) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

function cycling(paths: readonly string[]): AutocannonRequest {
  let next = 0;
  return {
    method: 'GET',
    setupRequest: (request) => {
      const path = paths[next++ % paths.length];
      return path === undefined ? request : { ...request, path };
    },
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const r = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: options.timeoutSeconds ?? 10,
    requests: options.distinctPaths === undefined ? [...options.requests] : [cycling(options.distinctPaths)],
  });
  return {
    connections: options.connections,
    durationSeconds: r.duration,
    // total / duration rather than autocannon's per-second mean: the same figure without the first partial second's rounding
    requestsPerSecond: r.requests.total / r.duration,
    totalRequests: r.requests.total,
    latencyMeanMs: r.latency.mean,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMaxMs: r.latency.max,
    bytesPerSecond: r.throughput.total / r.duration,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  };
}
