/**
 * The watch list in Redis (keys.ts): records in one hash, per CA an owners hash and chunked bitmaps (watched, fresh, reported per
 * reason) that line up with the store's chunks. An import batch reads what it changes in one pipeline and writes everything in
 * one MULTI; a pass reads the CA's bitmaps in one pipeline per kind.
 */
import { acquireRedisLock, inBitmapRange, openRedis, type RedisClient } from '@jpki-validator/store';
import { formatSerial } from '@jpki-validator/x509';
import { ChunkedBitmap } from '../chunked-bitmap.js';
import { WatchError } from '../errors.js';
import { expiryCaId, watchEventId } from '../event-id.js';
import { matchesFilter } from '../event-filter.js';
import type { EventFilter, ReportMark, UpsertReport, WatchEntryInput, WatchEvent, WatchRecord, WatchRepository } from '../types.js';
import { planUpsert, recordFromJson, recordToJson, type WatchTarget } from '../watch-list.js';
import { createWatchKeys, type WatchKeys } from './keys.js';

export interface RedisWatchOptions {
  /** a connection (the caller keeps owning it) or a URL */
  /** a connection, or a URL (`redis://…`, or `redis+cluster://h1:p1,h2:p2` for a cluster) */
  redis: RedisClient | string;
  /** key prefix (default `jpki`, like the store); tests use a random one */
  prefix?: string;
  /** must equal the store's (default 20) */
  chunkBits?: number;
  /** how long an import or pass waits for the lock another one holds (default 30 000) */
  lockTimeoutMs?: number;
  /** time to live of the lock of a process that died (default 60 000); a live holder renews it, however long its pass runs */
  lockTtlMs?: number;
}

/** arguments per command when a list is long (RPUSH, SADD, SMISMEMBER) */
const ARGS_PER_COMMAND = 1000;

export class RedisWatchRepository implements WatchRepository {
  readonly chunkBits: number;
  readonly keys: WatchKeys;
  readonly redis: RedisClient;
  private readonly ownsConnection: boolean;
  private readonly lockTimeoutMs: number;
  private readonly lockTtlMs: number;

  constructor(options: RedisWatchOptions) {
    this.ownsConnection = typeof options.redis === 'string';
    this.redis = typeof options.redis === 'string' ? openRedis(options.redis) : options.redis;
    this.keys = createWatchKeys(options.prefix ?? 'jpki');
    this.chunkBits = options.chunkBits ?? 20;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    this.lockTtlMs = options.lockTtlMs ?? 60_000;
  }

  async withLock<T>(task: () => Promise<T>): Promise<T> {
    const lock = await acquireRedisLock(this.redis, this.keys.lock, {
      ttlMs: this.lockTtlMs,
      timeoutMs: this.lockTimeoutMs,
      timeoutError: (key, ms) => new WatchError('WATCH_LOCK_TIMEOUT', `could not take the watch lock ${key} within ${ms} ms`),
    });
    try {
      return await task();
    } finally {
      await lock.release();
    }
  }

  async upsert(entries: readonly WatchEntryInput[], nowMs: number): Promise<UpsertReport> {
    const report = { added: 0, updated: 0, unchanged: 0 };
    const ids = [...new Set(entries.map((e) => e.customerId))];
    const stored = ids.length ? await this.redis.hmget(this.keys.customers, ...ids) : [];
    const records = new Map<string, WatchRecord | null>(ids.map((id, i) => [id, stored[i] ? recordFromJson(stored[i] as string) : null]));
    const changed = new Map<string, WatchRecord>();
    const stops: { id: string; t: WatchTarget }[] = [];
    const starts: { id: string; t: WatchTarget }[] = [];
    for (const entry of entries) {
      const plan = planUpsert(records.get(entry.customerId) ?? null, entry, nowMs);
      report[plan.outcome]++;
      if (plan.outcome === 'unchanged') continue;
      records.set(entry.customerId, plan.record);
      changed.set(entry.customerId, plan.record);
      for (const t of plan.stop) stops.push({ id: entry.customerId, t });
      for (const t of plan.start) starts.push({ id: entry.customerId, t });
    }
    if (changed.size === 0) return report;

    // current watchers of every serial touched, in one pipeline
    const ownerKey = (t: WatchTarget): string => `${t.caId}\0${formatSerial(t.serial)}`;
    const touched = new Map<string, WatchTarget>();
    for (const { t } of [...stops, ...starts]) touched.set(ownerKey(t), t);
    const read = this.redis.pipeline();
    for (const t of touched.values()) read.hget(this.keys.ca(t.caId).owners, formatSerial(t.serial));
    const replies = (await read.exec()) ?? [];
    const owners = new Map<string, string[]>();
    [...touched.keys()].forEach((k, i) => {
      owners.set(k, JSON.parse((replies[i]?.[1] as string | null) ?? '[]') as string[]);
    });
    for (const { id, t } of stops)
      owners.set(
        ownerKey(t),
        (owners.get(ownerKey(t)) ?? []).filter((c) => c !== id),
      );
    const gained = new Set<string>();
    for (const { id, t } of starts) {
      const list = owners.get(ownerKey(t)) ?? [];
      if (!list.includes(id)) {
        list.push(id);
        gained.add(ownerKey(t));
      }
      owners.set(ownerKey(t), list);
    }
    const expiryIds = [...changed.values()].map((r) =>
      watchEventId(r.customerId, expiryCaId(r.caIds), formatSerial(r.serial), 'expired', null),
    );
    const expiryKnown = await this.knownEventIds(expiryIds);

    const write = this.redis.multi();
    for (const r of changed.values()) write.hset(this.keys.customers, r.customerId, recordToJson(r));
    for (const [k, t] of touched) {
      const ck = this.keys.ca(t.caId);
      const list = owners.get(k) ?? [];
      const field = formatSerial(t.serial);
      const inBitmap = inBitmapRange(t.serial);
      const chunkNo = inBitmap ? Number(t.serial) >>> this.chunkBits : -1;
      const offset = inBitmap ? Number(t.serial) & (2 ** this.chunkBits - 1) : -1;
      if (list.length === 0) {
        write.hdel(ck.owners, field);
        if (inBitmap) write.setbit(ck.watched(chunkNo), offset, 0);
        else write.srem(ck.long, t.serial.toString());
        continue;
      }
      write.hset(ck.owners, field, JSON.stringify(list));
      write.sadd(this.keys.cas, t.caId);
      if (inBitmap) {
        write.setbit(ck.watched(chunkNo), offset, 1).sadd(ck.chunks, chunkNo);
        if (gained.has(k)) write.setbit(ck.fresh(chunkNo), offset, 1);
      } else {
        write.sadd(ck.long, t.serial.toString());
        if (gained.has(k)) write.sadd(ck.freshLong, t.serial.toString());
      }
    }
    [...changed.values()].forEach((r, i) => {
      if (r.notAfterMs !== null && !expiryKnown.has(expiryIds[i] as string)) write.zadd(this.keys.expiries, r.notAfterMs, r.customerId);
      else write.zrem(this.keys.expiries, r.customerId);
    });
    await write.exec();
    return report;
  }

  async get(customerId: string): Promise<WatchRecord | null> {
    const text = await this.redis.hget(this.keys.customers, customerId);
    return text === null ? null : recordFromJson(text);
  }

  async caIds(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.cas)).sort();
  }

  watched(caId: string): Promise<ChunkedBitmap> {
    const ck = this.keys.ca(caId);
    return this.readBitmap(caId, ck.watched, ck.long, (m) => m);
  }

  reported(caId: string, reasonCode: number): Promise<ChunkedBitmap> {
    const ck = this.keys.ca(caId);
    const prefix = `${reasonCode}:`;
    return this.readBitmap(
      caId,
      (c) => ck.reported(reasonCode, c),
      ck.reportedLong,
      (m) => (m.startsWith(prefix) ? m.slice(prefix.length) : null),
    );
  }

  fresh(caId: string): Promise<ChunkedBitmap | null> {
    const ck = this.keys.ca(caId);
    return this.readBitmap(caId, ck.fresh, ck.freshLong, (m) => m);
  }

  async owners(caId: string, serials: readonly bigint[]): Promise<Map<bigint, WatchRecord[]>> {
    const out = new Map<bigint, WatchRecord[]>();
    if (serials.length === 0) return out;
    const lists = await this.redis.hmget(this.keys.ca(caId).owners, ...serials.map(formatSerial));
    const perSerial = lists.map((l) => JSON.parse(l ?? '[]') as string[]);
    const ids = [...new Set(perSerial.flat())];
    const records = await this.recordsOf(ids);
    serials.forEach((s, i) => {
      const rs = (perSerial[i] ?? []).flatMap((id) => records.get(id) ?? []);
      if (rs.length) out.set(s, rs);
    });
    return out;
  }

  async dueExpiries(nowMs: number): Promise<WatchRecord[]> {
    const ids = await this.redis.zrangebyscore(this.keys.expiries, '-inf', nowMs);
    return [...(await this.recordsOf(ids)).values()];
  }

  async knownEventIds(ids: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (let i = 0; i < ids.length; i += ARGS_PER_COMMAND) {
      const slice = ids.slice(i, i + ARGS_PER_COMMAND);
      const flags = await this.redis.smismember(this.keys.eventIds, ...slice);
      slice.forEach((id, k) => {
        if (flags[k] === 1) known.add(id);
      });
    }
    return known;
  }

  async record(events: readonly WatchEvent[], marks: readonly ReportMark[], passedCaIds: readonly string[]): Promise<void> {
    const tx = this.redis.multi();
    for (let i = 0; i < events.length; i += ARGS_PER_COMMAND) {
      const slice = events.slice(i, i + ARGS_PER_COMMAND);
      tx.sadd(this.keys.eventIds, ...slice.map((e) => e.eventId));
      tx.rpush(this.keys.events, ...slice.map((e) => JSON.stringify(e)));
    }
    for (const m of marks) {
      if (m.kind === 'expired') {
        tx.zrem(this.keys.expiries, m.customerId);
        continue;
      }
      const ck = this.keys.ca(m.caId);
      if (inBitmapRange(m.serial)) {
        const n = Number(m.serial);
        tx.setbit(ck.reported(m.reasonCode, n >>> this.chunkBits), n & (2 ** this.chunkBits - 1), 1);
      } else tx.sadd(ck.reportedLong, `${m.reasonCode}:${m.serial}`);
    }
    for (const caId of passedCaIds) {
      const ck = this.keys.ca(caId);
      const chunkNos = await this.redis.smembers(ck.chunks);
      tx.del(ck.freshLong, ...chunkNos.map((c) => ck.fresh(Number(c))));
    }
    await tx.exec();
  }

  async *events(filter: EventFilter = {}): AsyncIterable<WatchEvent> {
    const PAGE = 1000;
    for (let start = 0; ; start += PAGE) {
      const page = await this.redis.lrange(this.keys.events, start, start + PAGE - 1);
      for (const line of page) {
        const e = JSON.parse(line) as WatchEvent;
        if (matchesFilter(e, filter)) yield e;
      }
      if (page.length < PAGE) return;
    }
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit().catch(() => undefined);
  }

  private async recordsOf(ids: readonly string[]): Promise<Map<string, WatchRecord>> {
    const out = new Map<string, WatchRecord>();
    for (let i = 0; i < ids.length; i += ARGS_PER_COMMAND) {
      const slice = ids.slice(i, i + ARGS_PER_COMMAND);
      const texts = await this.redis.hmget(this.keys.customers, ...slice);
      texts.forEach((t) => {
        if (t === null) return;
        const r = recordFromJson(t);
        out.set(r.customerId, r);
      });
    }
    return out;
  }

  /** the CA's chunks of one bitmap kind (only chunk numbers with watched serials can hold bits) and its long members */
  private async readBitmap(
    caId: string,
    keyOf: (chunkNo: number) => string,
    longKey: string,
    longMember: (m: string) => string | null,
  ): Promise<ChunkedBitmap> {
    const ck = this.keys.ca(caId);
    const bitmap = new ChunkedBitmap(this.chunkBits);
    const chunkNos = (await this.redis.smembers(ck.chunks)).map(Number);
    const pipe = this.redis.pipeline();
    for (const c of chunkNos) pipe.getBuffer(keyOf(c));
    pipe.smembers(longKey);
    const replies = (await pipe.exec()) ?? [];
    chunkNos.forEach((c, i) => {
      const [err, value] = replies[i] ?? [null, null];
      if (err) throw err;
      if (value instanceof Buffer && value.length > 0) bitmap.putChunk(c, value);
    });
    const [err, members] = replies[chunkNos.length] ?? [null, []];
    if (err) throw err;
    for (const m of members as string[]) {
      const v = longMember(m);
      if (v !== null) bitmap.long.add(BigInt(v));
    }
    return bitmap;
  }
}

export function createRedisWatch(options: RedisWatchOptions): RedisWatchRepository {
  return new RedisWatchRepository(options);
}
