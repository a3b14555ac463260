/**
 * Webhook delivery: one POST per batch, body `{"events":[…]}`, header `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">` (docs/watch.md). A receiver recomputes the HMAC over the raw body it got and rejects an old `t` to stop replays.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookError } from './errors.js';
import type { WatchEvent } from './types.js';

export interface WebhookBatch {
  /** stable for the same pass, webhook and position: a batch handed over again after a crash is recognised */
  batchId: string;
  url: string;
  events: readonly WatchEvent[];
}

/**
 * Where batches wait for delivery: BullMQ with Redis, a durable outbox directory without. Handing a pass's batches over is two
 * steps the pass records between (delivery.ts): `stage` may be repeated, `publish` makes each batch deliverable at most once
 * however often it is repeated.
 */
export interface WebhookQueue {
  /** whether staged batches lie on this host (an outbox directory): only this host may publish them */
  readonly local: boolean;
  /** puts batches where they wait, not yet deliverable (may do nothing); repeating it replaces what an earlier attempt left */
  stage(batches: readonly WebhookBatch[]): Promise<void>;
  /** makes staged batches deliverable; a batch already published (and maybe delivered and gone since) is not published again */
  publish(batches: readonly WebhookBatch[]): Promise<void>;
}

export function signatureHeader(body: string, secret: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

/** Checks a received `X-Signature` (for receivers and tests); `toleranceSeconds` bounds the age of `t`. */
export function verifySignature(
  body: string,
  header: string,
  secret: string,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  const parts = new Map(header.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

export interface DeliverOptions {
  timeoutMs?: number;
  nowSeconds?: number;
  /**
   * sent as `X-Batch-Id`: the same for every attempt at the same batch, so a receiver can drop a repeat (a batch whose 2xx was
   * lost, or whose sender was killed between the receiver's answer and recording it, is sent again)
   */
  batchId?: string;
}

/** POSTs one batch; throws WebhookError (retryable) unless the receiver answers 2xx. */
export async function deliverBatch(
  url: string,
  secret: string,
  events: readonly WatchEvent[],
  options: DeliverOptions = {},
): Promise<void> {
  const body = JSON.stringify({ events });
  const t = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature': signatureHeader(body, secret, t),
        ...(options.batchId === undefined ? {} : { 'x-batch-id': options.batchId }),
      },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new WebhookError(url, null, `not reachable (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  // drain the body so the connection can be reused
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new WebhookError(url, response.status, `answered ${response.status}`);
}

/** the secret of a configured webhook sink, by URL (jobs and outbox files carry the URL, never the secret) */
export function secretFor(sinks: readonly ({ file: string } | { webhook: string; secret: string })[], url: string): string | null {
  for (const s of sinks) if ('webhook' in s && s.webhook === url) return s.secret;
  return null;
}
