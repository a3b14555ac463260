import { createHash } from 'node:crypto';
import type { WatchEventType } from './types.js';

/**
 * The event contract (docs/watch.md): eventId is stable for (customerId, caId, serial, type, reason) — the same facts give the same id in every pass,
 * process and replayed CRL, so the id set is what makes "never twice" hold. 128 bits of SHA-256 over NUL-separated fields (NUL
 * cannot occur in any of them), hex.
 */
export function watchEventId(customerId: string, caId: string | null, serial: string, type: WatchEventType, reason: string | null): string {
  return createHash('sha256')
    .update([customerId, caId ?? '', serial, type, reason ?? ''].join('\0'))
    .digest('hex')
    .slice(0, 32);
}

/** the CA an expiry is reported under: the certificate's CA when the issuer names one, null for a group (we cannot tell which) */
export function expiryCaId(caIds: readonly string[]): string | null {
  return caIds.length === 1 ? (caIds[0] as string) : null;
}
