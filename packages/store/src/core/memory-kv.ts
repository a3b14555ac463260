/** In-process SmallKv: the embedded store's when it has no data directory. */
import type { SmallKv } from '../types.js';

export class MemoryKv implements SmallKv {
  private readonly values = new Map<string, { value: Uint8Array; expiresAtMs: number }>();

  async get(key: string): Promise<Uint8Array | null> {
    const hit = this.values.get(key);
    if (hit === undefined) return null;
    if (hit.expiresAtMs <= Date.now()) {
      this.values.delete(key);
      return null;
    }
    return hit.value;
  }

  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    this.values.set(key, { value: value.slice(), expiresAtMs: ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs });
  }

  /** atomic within the process: the read and the delete happen in one synchronous step */
  async take(key: string): Promise<Uint8Array | null> {
    const hit = this.values.get(key);
    if (hit === undefined) return null;
    this.values.delete(key);
    return hit.expiresAtMs <= Date.now() ? null : hit.value;
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
}
