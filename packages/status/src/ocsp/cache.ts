/**
 * The OCSP answer cache in the store's small key-value room (Redis, or the embedded store's memory): verified answers only, kept
 * until their nextUpdate. Never cached: answers without nextUpdate (RFC 6960 §4.2.2.1), `unknown`, errors. A cache that fails
 * degrades to a live query, never to an error.
 */
import type { SmallKv } from '@jpki-validator/store';
import type { OcspAnswer } from '../verdict.js';

const STATUSES = new Set(['good', 'revoked']);

export class OcspCache {
  private readonly kv: SmallKv | null;
  private readonly onError: (error: unknown) => void;

  constructor(kv: SmallKv | null, onError: (error: unknown) => void) {
    this.kv = kv;
    this.onError = onError;
  }

  private static key(caId: string, serialHex: string): string {
    return `ocsp:${caId}:${serialHex}`;
  }

  async get(caId: string, serialHex: string, nowMs: number): Promise<OcspAnswer | null> {
    if (this.kv === null) return null;
    try {
      const raw = await this.kv.get(OcspCache.key(caId, serialHex));
      if (raw === null) return null;
      const answer = decode(raw);
      // the store's TTL is the main guard; this one covers clock differences between validators
      return answer !== null && answer.nextUpdateMs !== null && answer.nextUpdateMs > nowMs ? answer : null;
    } catch (error) {
      this.onError(error);
      return null;
    }
  }

  async put(caId: string, serialHex: string, answer: OcspAnswer, nowMs: number): Promise<void> {
    if (this.kv === null || answer.nextUpdateMs === null || !STATUSES.has(answer.status)) return;
    const ttlMs = answer.nextUpdateMs - nowMs;
    if (ttlMs <= 0) return;
    try {
      await this.kv.set(OcspCache.key(caId, serialHex), new TextEncoder().encode(JSON.stringify(answer)), ttlMs);
    } catch (error) {
      this.onError(error);
    }
  }
}

function decode(raw: Uint8Array): OcspAnswer | null {
  const v: unknown = JSON.parse(new TextDecoder().decode(raw));
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.status !== 'string' || !STATUSES.has(o.status)) return null;
  if (typeof o.producedAtMs !== 'number' || typeof o.thisUpdateMs !== 'number') return null;
  if (typeof o.nextUpdateMs !== 'number') return null;
  return {
    status: o.status as OcspAnswer['status'],
    reason: typeof o.reason === 'string' ? (o.reason as OcspAnswer['reason']) : null,
    // NaN (a good answer's) went through JSON as null
    revokedAtMs: typeof o.revokedAtMs === 'number' ? o.revokedAtMs : Number.NaN,
    producedAtMs: o.producedAtMs,
    thisUpdateMs: o.thisUpdateMs,
    nextUpdateMs: o.nextUpdateMs,
  };
}
