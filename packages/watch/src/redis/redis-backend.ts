/**
 * The watch list in Redis (keys.ts): the journal is a list (a commit is an RPUSH acknowledged by Redis; an uncommitted tail is
 * trimmed by the next writer), checkpoints are binary strings cut into ≤ 64 MiB parts, the manifest one string. Works the same
 * on a Redis Cluster: every key shares the `{watch}` slot.
 */
import { randomBytes } from 'node:crypto';
import { openRedis, quitOrCut, type RedisClient } from '@jpki-validator/store';
import { WatchError } from '../errors.js';
import type { JournalBackend, JournalLine, Manifest } from '../journal/backend.js';
import { createWatchKeys, type WatchKeys } from './keys.js';
import { withRedisLock } from './redis-lock.js';

const PART_BYTES = 64 * 1024 * 1024;
/** lines per RPUSH and per LRANGE page */
const LINES_PER_COMMAND = 5000;

export interface RedisBackendOptions {
  /** a connection (the caller keeps owning it), or a URL (`redis://…`, `redis+cluster://h1:p1,h2:p2`) */
  redis: RedisClient | string;
  /** key prefix (default `jpki`, like the store); tests use a random one */
  prefix?: string;
  lockTimeoutMs?: number;
  lockTtlMs?: number;
}

interface CheckpointMeta {
  segments: { bytes: number; parts: number }[];
}

/** how long close() waits for queued work while Redis answers */
const CLOSE_WAIT_MS = 10_000;

export class RedisJournalBackend implements JournalBackend {
  readonly kind = 'redis' as const;
  readonly redis: RedisClient;
  readonly keys: WatchKeys;
  private readonly ownsConnection: boolean;
  private readonly lockTimeoutMs: number;
  private readonly lockTtlMs: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: RedisBackendOptions) {
    this.ownsConnection = typeof options.redis === 'string';
    this.redis = typeof options.redis === 'string' ? openRedis(options.redis) : options.redis;
    this.keys = createWatchKeys(options.prefix ?? 'jpki');
    this.lockTimeoutMs = options.lockTimeoutMs ?? 600_000;
    this.lockTtlMs = options.lockTtlMs ?? 30_000;
  }

  withLock<T>(task: () => Promise<T>): Promise<T> {
    const run = () => withRedisLock(this.redis, this.keys.lock, { ttlMs: this.lockTtlMs, timeoutMs: this.lockTimeoutMs }, task);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async readManifest(): Promise<Manifest | null> {
    const text = await this.redis.get(this.keys.manifest);
    if (text === null) return null;
    try {
      return JSON.parse(text) as Manifest;
    } catch (e) {
      throw new WatchError('WATCH_STATE_CORRUPT', `${this.keys.manifest} is not JSON`, { cause: e });
    }
  }

  async writeManifest(manifest: Manifest): Promise<void> {
    await this.redis.set(this.keys.manifest, JSON.stringify(manifest));
  }

  async writeCheckpoint(id: string, segments: readonly Uint8Array[]): Promise<void> {
    await this.redis.sadd(this.keys.checkpoints, id);
    const meta: CheckpointMeta = { segments: [] };
    for (let s = 0; s < segments.length; s++) {
      const segment = segments[s] as Uint8Array;
      const parts = Math.max(1, Math.ceil(segment.byteLength / PART_BYTES));
      for (let p = 0; p < parts; p++) {
        const piece = segment.subarray(p * PART_BYTES, Math.min(segment.byteLength, (p + 1) * PART_BYTES));
        await this.redis.set(this.keys.checkpointPart(id, s, p), Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
      }
      meta.segments.push({ bytes: segment.byteLength, parts });
    }
    await this.redis.set(this.keys.checkpointMeta(id), JSON.stringify(meta));
  }

  async readCheckpoint(id: string): Promise<Uint8Array[]> {
    const text = await this.redis.get(this.keys.checkpointMeta(id));
    if (text === null) throw new WatchError('WATCH_STATE_CORRUPT', `checkpoint ${id} is named by the manifest but missing`);
    const meta = JSON.parse(text) as CheckpointMeta;
    const out: Uint8Array[] = [];
    for (let s = 0; s < meta.segments.length; s++) {
      const { bytes, parts } = meta.segments[s] as CheckpointMeta['segments'][number];
      // 8-aligned, so the columns can be viewed in place
      const segment = new Uint8Array(new ArrayBuffer(Math.ceil(bytes / 8) * 8), 0, bytes);
      let at = 0;
      for (let p = 0; p < parts; p++) {
        const piece = await this.redis.getBuffer(this.keys.checkpointPart(id, s, p));
        if (piece === null) throw new WatchError('WATCH_STATE_CORRUPT', `checkpoint ${id}: part ${s}.${p} is missing`);
        segment.set(piece, at);
        at += piece.length;
      }
      if (at !== bytes) throw new WatchError('WATCH_STATE_CORRUPT', `checkpoint ${id}: segment ${s} has ${at} bytes, expected ${bytes}`);
      out.push(segment);
    }
    return out;
  }

  async deleteCheckpointsExcept(keep: string | null): Promise<void> {
    for (const id of await this.redis.smembers(this.keys.checkpoints)) {
      if (id === keep) continue;
      const text = await this.redis.get(this.keys.checkpointMeta(id));
      const meta = text === null ? { segments: [] } : (JSON.parse(text) as CheckpointMeta);
      const keys = [this.keys.checkpointMeta(id)];
      meta.segments.forEach((seg, s) => {
        for (let p = 0; p < seg.parts; p++) keys.push(this.keys.checkpointPart(id, s, p));
      });
      // a crashed writer may have left parts the meta never listed: those of unlisted checkpoints go with the next one
      for (const k of keys) await this.redis.unlink(k);
      await this.redis.srem(this.keys.checkpoints, id);
    }
  }

  journalEnd(): Promise<number> {
    return this.redis.llen(this.keys.journal);
  }

  async truncateJournal(position: number): Promise<void> {
    if (position === 0) await this.redis.del(this.keys.journal);
    else await this.redis.ltrim(this.keys.journal, 0, position - 1);
  }

  async appendJournal(lines: readonly string[]): Promise<number> {
    let end = await this.redis.llen(this.keys.journal);
    for (let i = 0; i < lines.length; i += LINES_PER_COMMAND) {
      end = await this.redis.rpush(this.keys.journal, ...lines.slice(i, i + LINES_PER_COMMAND));
    }
    return end;
  }

  async *readJournal(from: number, to: number): AsyncIterable<JournalLine> {
    for (let start = from; start < to; start += LINES_PER_COMMAND) {
      const page = await this.redis.lrange(this.keys.journal, start, Math.min(to, start + LINES_PER_COMMAND) - 1);
      for (let i = 0; i < page.length; i++) yield { text: page[i] as string, position: start + i, next: start + i + 1 };
      if (page.length < LINES_PER_COMMAND) return;
    }
  }

  async earlierLayout(): Promise<string | null> {
    const old = this.keys.journal.replace(/:journal$/, ':cust');
    return (await this.redis.exists(old)) === 1 && (await this.journalEnd()) === 0 ? old : null;
  }

  async close(): Promise<void> {
    // work still queued (a pass waiting on the list lock, up to lockTimeoutMs) is given a while when Redis answers, and no time
    // when it does not: a process told to stop must not wait ten minutes on a Redis that is down
    if (this.redis.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.queue, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
    }
    if (this.ownsConnection) await quitOrCut(this.redis);
  }
}

/** a checkpoint id: sorts by time, unique across processes */
export function newCheckpointId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
