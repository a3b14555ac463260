/** SmallKv on Redis: one string per key under `<prefix>:kv:`. */
import type { RedisClient } from './connection.js';
import { storeFailure } from '../errors.js';
import type { SmallKv } from '../types.js';
import type { StoreKeys } from './keys.js';

export class RedisKv implements SmallKv {
  private readonly redis: RedisClient;
  private readonly keys: StoreKeys;

  constructor(redis: RedisClient, keys: StoreKeys) {
    this.redis = redis;
    this.keys = keys;
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await this.redis.getBuffer(this.keys.kv(key));
    } catch (error) {
      throw storeFailure(error, `reading ${key}`);
    }
  }

  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    try {
      if (ttlMs === undefined) await this.redis.set(this.keys.kv(key), buf);
      else await this.redis.set(this.keys.kv(key), buf, 'PX', Math.max(1, Math.ceil(ttlMs)));
    } catch (error) {
      throw storeFailure(error, `writing ${key}`);
    }
  }

  /** GETDEL (Redis ≥ 6.2): one command, so atomic across every client of the server or cluster slot */
  async take(key: string): Promise<Uint8Array | null> {
    return this.redis.getdelBuffer(this.keys.kv(key));
  }

  async delete(key: string): Promise<void> {
    try {
      await this.redis.unlink(this.keys.kv(key));
    } catch (error) {
      throw storeFailure(error, `deleting ${key}`);
    }
  }
}
