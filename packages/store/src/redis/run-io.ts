/**
 * A run's bytes in and out of one Redis string, in pieces: a national partition's run is a few MB, an unpartitioned CA's can
 * be hundreds — never one command's worth of memory on either side. Written as SET (with the pending TTL) + APPENDs, read as
 * GET or GETRANGEs.
 */
import { StoreError } from '../errors.js';
import type { StoreCommands } from './commands.js';
import type { RedisClient } from './connection.js';

/** bytes per command and per pipeline round */
const PIECE_BYTES = 8 * 2 ** 20;

/**
 * Writes `parts` (in order) as the value of `key`, expiring after ttlMs unless the switch persists it; returns the byte count.
 * Up to one piece: one SET of the joined parts (Redis trims a big argument to its size). Larger: the string is sized once (a
 * SETRANGE at its last byte) and filled piece by piece with SETRANGE. Never APPEND: Redis grows an appended string greedily
 * (to twice its length under 1 MB), and a run written part by part took 2.2× its size.
 */
export async function writeRunKey(
  redis: RedisClient & StoreCommands,
  key: string,
  parts: readonly Buffer[],
  ttlMs: number,
): Promise<number> {
  let total = 0;
  for (const part of parts) total += part.length;
  if (total === 0) throw new RangeError(`${key}: nothing to write`);
  if (total <= PIECE_BYTES) {
    await redis.set(key, Buffer.concat(parts, total), 'PX', ttlMs);
    return total;
  }
  const sized = await redis
    .multi()
    .setrange(key, total - 1, Buffer.alloc(1))
    .pexpire(key, ttlMs)
    .exec();
  for (const [err] of sized ?? []) if (err) throw err;
  let pipeline = redis.pipeline();
  let pending = 0;
  let at = 0;
  const flush = async (): Promise<void> => {
    for (const [err, written] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      if (written !== 1) throw new StoreError('CONFLICT', `${key} expired while it was being written (pending TTL ${ttlMs} ms)`);
    }
    pipeline = redis.pipeline();
    pending = 0;
  };
  for (const part of parts) {
    for (let from = 0; from < part.length; from += PIECE_BYTES) {
      const piece = part.subarray(from, from + PIECE_BYTES);
      (pipeline as unknown as StoreCommands).fillRunPiece(key, at, piece);
      at += piece.length;
      pending += piece.length;
      if (pending >= PIECE_BYTES) await flush();
    }
  }
  if (pipeline.length > 0) await flush();
  return total;
}

/** whether a run of `totalBytes` is written as one SET (which may then share a pipeline with the switch) */
export function fitsOneCommand(totalBytes: number): boolean {
  return totalBytes > 0 && totalBytes <= PIECE_BYTES;
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
