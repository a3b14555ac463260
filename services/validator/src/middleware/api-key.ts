/**
 * API keys (when configured): `X-API-Key: <key>` or `Authorization: Bearer <key>`. Keys are kept only as SHA-256 hashes and a
 * presented key is compared with EVERY stored hash in constant time (timingSafeEqual, no early exit), so neither the memory nor
 * the timing gives a key away. A per-key token bucket limits the request rate (429 with Retry-After).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig } from '@jpki-validator/config';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { ProblemError } from '../problem.js';

export interface RateLimitOptions {
  requestsPerSecond: number;
  burst: number;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly limit: RateLimitOptions,
    private readonly now: () => number,
  ) {
    this.tokens = limit.burst;
    this.lastMs = now();
  }

  /** 0 when a token was taken, else the seconds until one is available */
  take(): number {
    const nowMs = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((nowMs - this.lastMs) / 1000) * this.limit.requestsPerSecond);
    this.lastMs = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.limit.requestsPerSecond);
  }
}

function presentedKey(authorization: string | undefined, apiKey: string | undefined): string | null {
  if (apiKey !== undefined && apiKey !== '') return apiKey;
  const m = authorization === undefined ? null : /^Bearer\s+(\S+)$/i.exec(authorization);
  return m?.[1] ?? null;
}

export interface ApiKeyGrant {
  /** the key's id: a hash prefix, never the key */
  keyId: string;
  /** its scopes from API_KEYS (`key:personal`) */
  scopes: ReadonlySet<string>;
}

export interface ApiKeyGate {
  /** the presented key's id (a hash prefix) with a rate-limit token taken; throws the 401 or 429 ProblemError */
  admit(authorization: string | undefined | null, apiKey: string | undefined | null): string;
  /** as admit, with the key's scopes */
  grant(authorization: string | undefined | null, apiKey: string | undefined | null): ApiKeyGrant;
}

/** The key check and rate limit, shared by the middleware and the status fast path (status-fast-path.ts). */
export function createApiKeyGate(
  keys: readonly (string | ApiKeyConfig)[],
  rateLimit: RateLimitOptions | null,
  now: () => number = Date.now,
): ApiKeyGate {
  const hashes = keys.map((k) => sha256(typeof k === 'string' ? k : k.key));
  const scopes = keys.map((k): ReadonlySet<string> => new Set(typeof k === 'string' ? [] : k.scopes));
  const buckets = hashes.map(() => (rateLimit === null ? null : new TokenBucket(rateLimit, now)));
  const challenge = { 'www-authenticate': 'Bearer realm="jpki-validator", charset="UTF-8"' };
  const gate = {
    admit(authorization: string | undefined | null, apiKey: string | undefined | null): string {
      return gate.grant(authorization, apiKey).keyId;
    },
    grant(authorization: string | undefined | null, apiKey: string | undefined | null): ApiKeyGrant {
      const key = presentedKey(authorization ?? undefined, apiKey ?? undefined);
      if (key === null)
        throw new ProblemError(401, 'unauthorized', 'an API key is required: X-API-Key header or Authorization: Bearer', challenge);
      const presented = sha256(key);
      let match = -1;
      for (let i = 0; i < hashes.length; i++) {
        // every hash is compared, match or not
        if (timingSafeEqual(presented, hashes[i] as Buffer) && match === -1) match = i;
      }
      if (match === -1) throw new ProblemError(401, 'unauthorized', 'the API key is not valid', challenge);
      const keyId = (hashes[match] as Buffer).subarray(0, 4).toString('hex');
      const wait = buckets[match]?.take() ?? 0;
      if (wait > 0) throw new ProblemError(429, 'rate-limited', `rate limit of key ${keyId} exceeded`, { 'retry-after': String(wait) });
      return { keyId, scopes: scopes[match] ?? new Set() };
    },
  };
  return gate;
}

export function apiKeyAuth(gate: ApiKeyGate): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const grant = gate.grant(c.req.header('authorization'), c.req.header('x-api-key'));
    c.set('apiKeyId', grant.keyId);
    c.set('apiScopes', grant.scopes);
    await next();
  };
}
