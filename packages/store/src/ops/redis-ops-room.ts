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

  /**
   * Counts that arrive while a transaction of counts is under way wait for it and are summed into the next one: a daily
   * refresh counts 1,741 loads from several lanes at once, nearly all a 304 whose only write is this.
   */
  addCounts(day: string, counts: Readonly<Record<string, number>>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queuedCounts.push({ day, counts, resolve, reject });
      if (!this.counting) void this.countQueued();
    });
  }

  private readonly queuedCounts: {
    day: string;
    counts: Readonly<Record<string, number>>;
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];
  private counting = false;

  private async countQueued(): Promise<void> {
    this.counting = true;
    try {
      while (this.queuedCounts.length > 0) {
        const turn = this.queuedCounts.splice(0);
        const byDay = new Map<string, Record<string, number>>();
        for (const { day, counts } of turn) {
          const sum = byDay.get(day) ?? {};
          for (const [name, n] of Object.entries(counts)) sum[name] = (sum[name] ?? 0) + n;
          byDay.set(day, sum);
        }
        try {
          await Promise.all([...byDay].map(([day, counts]) => this.addCountsNow(day, counts)));
          for (const t of turn) t.resolve();
        } catch (error) {
          for (const t of turn) t.reject(error);
        }
      }
    } finally {
      this.counting = false;
    }
  }

  private async addCountsNow(day: string, counts: Readonly<Record<string, number>>): Promise<void> {
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
