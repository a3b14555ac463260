/**
 * A run's bytes in and out of one Redis string, in pieces: a national partition's run is a few MB, an unpartitioned CA's can
 * be hundreds — never one command's worth of memory on either side. Written as SET (with the pending TTL) + APPENDs, read as
 * GET or GETRANGEs.
 */
import type { RedisClient } from './connection.js';

/** bytes per command and per pipeline round */
const PIECE_BYTES = 8 * 2 ** 20;

/** writes `parts` (in order) as the value of `key`, expiring after ttlMs unless the switch persists it; returns the byte count */
export async function writeRunKey(redis: RedisClient, key: string, parts: readonly Buffer[], ttlMs: number): Promise<number> {
  const pieces: Buffer[] = [];
  for (const part of parts) for (let at = 0; at < part.length; at += PIECE_BYTES) pieces.push(part.subarray(at, at + PIECE_BYTES));
  if (pieces.length === 0) throw new RangeError(`${key}: nothing to write`);
  let pipeline = redis.pipeline();
  let pending = 0;
  let total = 0;
  for (const [i, piece] of pieces.entries()) {
    if (i === 0) pipeline.set(key, piece, 'PX', ttlMs);
    else pipeline.append(key, piece);
    pending += piece.length;
    total += piece.length;
    if (pending >= PIECE_BYTES || i === pieces.length - 1) {
      for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
      pipeline = redis.pipeline();
      pending = 0;
    }
  }
  return total;
}

/** the value of `key` when it is `expectedBytes` long; null when it is gone or another length (replaced meanwhile) */
export async function readRunKey(redis: RedisClient, key: string, expectedBytes: number): Promise<Buffer | null> {
  if (expectedBytes <= 2 * PIECE_BYTES) {
    const value = await redis.getBuffer(key);
    return value !== null && value.length === expectedBytes ? value : null;
  }
  const out = Buffer.allocUnsafe(expectedBytes);
  for (let at = 0; at < expectedBytes; at += 4 * PIECE_BYTES) {
    const pipeline = redis.pipeline();
    const starts: number[] = [];
    for (let p = at; p < Math.min(expectedBytes, at + 4 * PIECE_BYTES); p += PIECE_BYTES) {
      starts.push(p);
      pipeline.getrangeBuffer(key, p, Math.min(expectedBytes, p + PIECE_BYTES) - 1);
    }
    const replies = (await pipeline.exec()) ?? [];
    for (const [i, [err, value]] of replies.entries()) {
      if (err) throw err;
      const start = starts[i] as number;
      const piece = value as Buffer;
      if (piece.length !== Math.min(expectedBytes, start + PIECE_BYTES) - start) return null;
      piece.copy(out, start);
    }
  }
  return out;
}
