/**
 * OpsRoom on Redis: a list per capped list (LPUSH + LTRIM in one MULTI) and a hash per day (HINCRBY, expiring DAYS_KEPT days
 * after its last write). Each command touches one key, so it works on a Redis Cluster too.
 */
import type { RedisClient } from '../redis/connection.js';
import { storeFailure } from '../errors.js';
import type { StoreKeys } from '../redis/keys.js';
import { DAYS_KEPT, type OpsRoom, type OpsWrite } from './ops-room.js';

export class RedisOpsRoom implements OpsRoom {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  async push(list: string, line: string, cap: number): Promise<void> {
    const key = this.keys.opsList(list);
    try {
      await this.redis
        .multi()
        .lpush(key, line)
        .ltrim(key, 0, cap - 1)
        .exec();
    } catch (error) {
      throw storeFailure(error, `recording ops history ${list}`);
    }
  }

  async write(batch: OpsWrite): Promise<void> {
    await Promise.all([
      ...(batch.lines ?? []).map((l) => this.push(l.list, l.line, l.cap)),
      batch.day ? this.addCounts(batch.day.day, batch.day.counts) : null,
    ]);
  }

  async range(list: string, cap: number, offset: number, count: number): Promise<string[]> {
    count = Math.min(count, cap - offset);
    if (count <= 0) return [];
    try {
      return await this.redis.lrange(this.keys.opsList(list), offset, offset + count - 1);
    } catch (error) {
      throw storeFailure(error, `reading ops history ${list}`);
    }
  }

  async length(list: string, cap: number): Promise<number> {
    try {
      return Math.min(cap, await this.redis.llen(this.keys.opsList(list)));
    } catch (error) {
      throw storeFailure(error, `reading ops history ${list}`);
    }
  }

  async addCounts(day: string, counts: Readonly<Record<string, number>>): Promise<void> {
    const entries = Object.entries(counts).filter(([, n]) => n !== 0);
    if (entries.length === 0) return;
    const key = this.keys.opsDay(day);
    const tx = this.redis.multi();
    for (const [name, n] of entries) {
      if (Number.isInteger(n)) tx.hincrby(key, name, n);
      else tx.hincrbyfloat(key, name, n);
    }
    tx.expire(key, DAYS_KEPT * 86_400);
    try {
      await tx.exec();
    } catch (error) {
      throw storeFailure(error, `counting ops history ${day}`);
    }
  }

  async countsOf(days: readonly string[]): Promise<Record<string, number>[]> {
    // one HGETALL per day, sent together (a pipeline would have to keep to one slot on a cluster)
    try {
      const hashes = await Promise.all(days.map((day) => this.redis.hgetall(this.keys.opsDay(day))));
      return hashes.map((hash) => {
        const counts: Record<string, number> = {};
        for (const [name, text] of Object.entries(hash)) counts[name] = Number(text);
        return counts;
      });
    } catch (error) {
      throw storeFailure(error, 'reading ops counters');
    }
  }
}
