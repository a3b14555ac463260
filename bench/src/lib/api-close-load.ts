/**
 * A load generator for a server that answers once per connection and closes it (HTTP/1.0, as `openssl ocsp` does): `connections`
 * loops, each connecting, writing one request, reading to the close, and recording the latency from connect to close.
 *
 * Why not autocannon here: autocannon 8 keeps connections alive, and against `openssl ocsp` it mis-measures — about 1 000 socket
 * errors in 3 s at 1 connection and a p50 of ~600 ms for an answer openssl gives in ~1 ms; with `reconnectRate: 1` it counted no
 * response at all while openssl answered 3 000 (measured 2026-11-24). The result has autocannon's shape, with exact percentiles.
 */
import { connect } from 'node:net';
import type { LoadResult } from './api-autocannon.js';

export interface CloseLoadOptions {
  host: string;
  port: number;
  connections: number;
  durationSeconds: number;
  /** the whole HTTP request, head and body */
  request: Buffer;
}

function once(options: CloseLoadOptions): Promise<{ ok: boolean; bytes: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: options.host, port: options.port }, () => socket.end(options.request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => resolve({ ok: false, bytes: 0 }));
    socket.on('close', () => {
      const response = Buffer.concat(chunks);
      resolve({ ok: /^HTTP\/1\.[01] 200 /.test(response.subarray(0, 16).toString('latin1')), bytes: response.length });
    });
  });
}

export async function runCloseLoad(options: CloseLoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  const endAt = start + BigInt(Math.round(options.durationSeconds * 1e9));
  const loop = async (): Promise<void> => {
    while (process.hrtime.bigint() < endAt) {
      const t0 = process.hrtime.bigint();
      const r = await once(options);
      if (!r.ok) {
        errors++;
        continue;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      bytes += r.bytes;
    }
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => round2(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN);
  return {
    connections: options.connections,
    durationSeconds: seconds,
    requestsPerSecond: latencies.length / seconds,
    totalRequests: latencies.length,
    latencyMeanMs: round2(latencies.reduce((a, b) => a + b, 0) / latencies.length),
    latencyP50Ms: at(0.5),
    latencyP99Ms: at(0.99),
    latencyMaxMs: round2(latencies[latencies.length - 1] ?? Number.NaN),
    bytesPerSecond: bytes / seconds,
    errors,
    timeouts: 0,
    non2xx: 0,
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** An HTTP/1.0 POST of `body`, as openssl's own client sends one. */
export function httpPost(host: string, port: number, path: string, contentType: string, body: Buffer): Buffer {
  const head = `POST ${path} HTTP/1.0\r\nHost: ${host}:${port}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
