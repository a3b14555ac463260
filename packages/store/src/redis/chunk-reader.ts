/**
 * Reads chunks from Redis through a cache. Chunk keys are immutable (named by the load that wrote them), so a cached chunk is
 * valid for as long as it exists: the cache is keyed by (loadId, chunkNo) and bounded by bytes, least recently used first out.
 */
import type { RedisClient } from './connection.js';
import type { Chunk } from '../core/chunk.js';
import { chunkReadKeys, decodeChunk } from './chunk-codec.js';
import type { CaKeys, ManifestChunk } from './keys.js';

export class ChunkCache {
  private readonly entries = new Map<string, Chunk>();
  private bytes = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get(ref: ManifestChunk): Chunk | undefined {
    const key = `${ref.loadId}:${ref.chunkNo}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // re-insert: Map order is the LRU order
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  put(chunk: Chunk): void {
    const key = `${chunk.id}:${chunk.chunkNo}`;
    if (this.entries.has(key)) return;
    this.entries.set(key, chunk);
    this.bytes += chunk.byteSize;
    for (const [k, c] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= c.byteSize;
    }
  }
}

/** Chunks for `refs` (from the cache or one pipeline); null when some chunk's keys have vanished: re-read the manifest. */
export async function readChunks(
  redis: RedisClient,
  caKeys: CaKeys,
  refs: Iterable<ManifestChunk>,
  chunkBytes: number,
  cache: ChunkCache,
): Promise<Map<number, Chunk> | null> {
  const out = new Map<number, Chunk>();
  const missing: ManifestChunk[] = [];
  for (const ref of refs) {
    const hit = cache.get(ref);
    if (hit !== undefined) out.set(ref.chunkNo, hit);
    else missing.push(ref);
  }
  // bounded batches: a whole CA is tens of MB
  const BATCH = 16;
  for (let i = 0; i < missing.length; i += BATCH) {
    const batch = missing.slice(i, i + BATCH);
    const pipeline = redis.pipeline();
    for (const ref of batch) for (const key of chunkReadKeys(ref, caKeys.chunk(ref.loadId, ref.chunkNo))) pipeline.getBuffer(key);
    const replies = (await pipeline.exec()) ?? [];
    let k = 0;
    for (const ref of batch) {
      const n = ref.hasInval ? 4 : 3;
      const values = replies.slice(k, k + n).map(([err, v]) => {
        if (err) throw err;
        return (v as Buffer | null) ?? null;
      });
      k += n;
      const chunk = decodeChunk(ref, chunkBytes, values);
      if (chunk === null) return null;
      cache.put(chunk);
      out.set(ref.chunkNo, chunk);
    }
  }
  return out;
}
