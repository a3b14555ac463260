import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FetcherError } from '../errors.js';
import type { CrlSource, FetchOutcome, SourceValidators } from './types.js';

export interface HttpSourceOptions {
  url: string;
  connectTimeoutMs?: number;
  /** longest silence while reading headers or body */
  readTimeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  userAgent?: string;
}

const DEFAULTS = {
  connectTimeoutMs: 5_000,
  readTimeoutMs: 30_000,
  maxBytes: 2 * 1024 ** 3,
  maxRedirects: 3,
  userAgent: 'jpki-validator-crl-fetcher',
};

/**
 * Fetches a CRL over HTTP(S) with a conditional GET (If-None-Match / If-Modified-Since), connect and read timeouts and a size
 * cap enforced while streaming. 4xx are final (not retried), 5xx, timeouts and network faults are retryable.
 */
export function createHttpSource(options: HttpSourceOptions): CrlSource {
  const opts = { ...DEFAULTS, ...options };
  return {
    location: opts.url,
    async fetch(previous, signal) {
      let url = new URL(opts.url);
      for (let hop = 0; ; hop++) {
        const res = await get(url, previous, opts, signal);
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && status !== 304 && res.headers.location) {
          res.resume();
          if (hop >= opts.maxRedirects)
            throw new FetcherError('FETCH_HTTP_STATUS', `${opts.url}: more than ${opts.maxRedirects} redirects`, false);
          url = new URL(res.headers.location, url);
          continue;
        }
        return outcome(res, url.href, opts.maxBytes);
      }
    },
  };
}

function outcome(res: IncomingMessage, origin: string, maxBytes: number): FetchOutcome {
  const status = res.statusCode ?? 0;
  if (status === 304) {
    res.resume();
    return { kind: 'not-modified' };
  }
  if (status !== 200) {
    res.resume();
    throw new FetcherError('FETCH_HTTP_STATUS', `${origin}: HTTP ${status}`, status >= 500 || status === 429 || status === 408);
  }
  const length = res.headers['content-length'] ? Number(res.headers['content-length']) : null;
  if (length !== null && length > maxBytes) {
    res.destroy();
    throw new FetcherError('FETCH_TOO_LARGE', `${origin}: ${length} bytes is over the ${maxBytes}-byte cap`, false);
  }
  const validators: SourceValidators = {
    etag: typeof res.headers.etag === 'string' ? res.headers.etag : null,
    lastModified: typeof res.headers['last-modified'] === 'string' ? res.headers['last-modified'] : null,
  };
  return { kind: 'body', body: capped(res, origin, maxBytes), validators, sizeBytes: length, origin };
}

async function* capped(res: IncomingMessage, origin: string, maxBytes: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw new FetcherError('FETCH_TOO_LARGE', `${origin}: body exceeds the ${maxBytes}-byte cap`, false);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof FetcherError) throw error;
    throw new FetcherError(
      'FETCH_NETWORK',
      `${origin}: body read failed after ${total} bytes: ${error instanceof Error ? error.message : String(error)}`,
      true,
      { cause: error },
    );
  } finally {
    res.destroy();
  }
  if (!res.complete) throw new FetcherError('FETCH_NETWORK', `${origin}: connection closed after ${total} bytes`, true);
}

function get(
  url: URL,
  previous: SourceValidators | null,
  opts: Required<HttpSourceOptions>,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  const headers: Record<string, string> = { accept: 'application/pkix-crl, */*', 'user-agent': opts.userAgent };
  if (previous?.etag) headers['if-none-match'] = previous.etag;
  if (previous?.lastModified) headers['if-modified-since'] = previous.lastModified;
  const request = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : null;
  if (!request) return Promise.reject(new FetcherError('FETCH_HTTP_STATUS', `${url.href}: only http and https are supported`, false));
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, ...(signal ? { signal } : {}) });
    const connectTimer = setTimeout(() => {
      req.destroy(new FetcherError('FETCH_TIMEOUT', `${url.href}: no connection within ${opts.connectTimeoutMs} ms`, true));
    }, opts.connectTimeoutMs);
    req.on('socket', (socket) => {
      const connected = (): void => clearTimeout(connectTimer);
      if (socket.connecting) socket.once('connect', connected);
      else connected();
    });
    // Idle timeout over the whole exchange: headers and every gap in the body.
    req.setTimeout(opts.readTimeoutMs, () => {
      req.destroy(new FetcherError('FETCH_TIMEOUT', `${url.href}: nothing received for ${opts.readTimeoutMs} ms`, true));
    });
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      resolve(res);
    });
    req.on('error', (error) => {
      clearTimeout(connectTimer);
      reject(
        error instanceof FetcherError ? error : new FetcherError('FETCH_NETWORK', `${url.href}: ${error.message}`, true, { cause: error }),
      );
    });
    req.end();
  });
}
