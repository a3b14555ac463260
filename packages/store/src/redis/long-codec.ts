/** The fallback structure in Redis: a hash, signed decimal serial → "reason,revokedSec,invalSec". */
import type { RedisClient } from './connection.js';
import type { LongEntry } from '../core/entry-buffer.js';

export function writeLongFields(entries: ReadonlyMap<bigint, LongEntry>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [serial, e] of entries) out[serial.toString()] = `${e.reasonCode},${e.revokedSec},${e.invalSec}`;
  return out;
}

export function parseLongValue(value: string): LongEntry {
  const [reasonCode = 0, revokedSec = 0, invalSec = 0] = value.split(',').map(Number);
  return { reasonCode, revokedSec, invalSec };
}

export async function readLong(redis: RedisClient, key: string): Promise<Map<bigint, LongEntry>> {
  const fields = await redis.hgetall(key);
  return new Map(Object.entries(fields).map(([s, v]) => [BigInt(s), parseLongValue(v)]));
}
