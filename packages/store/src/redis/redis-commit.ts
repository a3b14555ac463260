/**
 * Commit of one load into Redis: merge the touched chunks onto the current generation (copy-on-write), write them under fresh
 * keys with a TTL in large pipelined SETs, then switch with switchGeneration-4.lua. If another partition of the same CA switched
 * meanwhile the script answers CONFLICT and the merge is redone on the new base (the entries are still in memory).
 */
import { randomBytes } from 'node:crypto';
import type { RedisClient } from './connection.js';
import type { ChunkBuilder } from '../core/chunk-builder.js';
import type { EntryBuffer, LongEntry } from '../core/entry-buffer.js';
import { decideLoad, mergeLong, metaFromJson, metaToJson, nextPartitionMeta } from '../core/load-rules.js';
import { newEpoch } from '../core/epoch.js';
import { DeltaBaseError, RollbackError, StoreError } from '../errors.js';
import type { CrlHighWater } from '../files/crl-high-water.js';
import type { CommitReport, DataLossNotice, LoadOptions } from '../types.js';
import { encodeChunk } from './chunk-codec.js';
import { readChunks, type ChunkCache } from './chunk-reader.js';
import type { StoreCommands } from './commands.js';
import {
  chunkField,
  formatChunkRef,
  MANIFEST_GENERATION,
  MANIFEST_LONG,
  parseManifest,
  type CaKeys,
  type Manifest,
  type StoreKeys,
} from './keys.js';
import { readLong, writeLongFields } from './long-codec.js';

export interface CommitContext {
  redis: RedisClient & StoreCommands;
  keys: StoreKeys;
  chunkBits: number;
  cache: ChunkCache;
  builder: () => ChunkBuilder;
  pendingTtlMs: number;
  maxAttempts: number;
  /** the local CRL-number record that outlives a data loss (RedisStoreOptions.highWaterFile) */
  highWater: CrlHighWater | null;
  onDataLoss: (notice: DataLossNotice) => void;
}

/** the base generation was dropped under the merge (two switches meanwhile): merge again */
class RetryMerge extends Error {}

/** base chunks read per round */
const READ_BATCH = 8;
/**
 * Bytes of chunk values per pipeline round: a chunk of 2^20 serials on a dense CA is ~3 MB, and ioredis copies each value once
 * more on write, so rounds bounded by chunk count alone held ~100 MB in flight at 5 M entries (peak RSS over the 300 MB).
 */
const WRITE_BYTES = 8 * 2 ** 20;

/**
 * The CA-id set sits outside the CA's hash slot, so on a Redis Cluster the switch script cannot add the id in its atomic step.
 * The id is therefore listed BEFORE the switch (a loader dying right after the switch must not leave a live CA unlisted) and
 * again after it (repairs a concurrent unlisting, below); a load that ends without any generation of the CA unlists it again,
 * so a refused first load leaves nothing behind. caIds() also skips ids whose current manifest does not exist.
 */
export async function commitToRedis(ctx: CommitContext, options: LoadOptions, entries: EntryBuffer): Promise<CommitReport> {
  let listed = false;
  const list = async (): Promise<void> => {
    await ctx.redis.sadd(ctx.keys.cas, options.caId);
    listed = true;
  };
  try {
    const report = await commitAttempts(ctx, options, entries, list);
    if (report.outcome === 'switched') await list();
    else if (listed) await unlistIfNeverSwitched(ctx, options.caId);
    return report;
  } catch (e) {
    if (listed) await unlistIfNeverSwitched(ctx, options.caId).catch(() => undefined);
    throw e;
  }
}

/** removes the CA's id unless it has a current generation (checked before, so a live CA never drops out, and after) */
async function unlistIfNeverSwitched(ctx: CommitContext, caId: string): Promise<void> {
  const current = ctx.keys.ca(caId).current;
  if ((await ctx.redis.exists(current)) === 1) return;
  await ctx.redis.srem(ctx.keys.cas, caId);
  if ((await ctx.redis.exists(current)) === 1) await ctx.redis.sadd(ctx.keys.cas, caId);
}

async function commitAttempts(
  ctx: CommitContext,
  options: LoadOptions,
  entries: EntryBuffer,
  list: () => Promise<void>,
): Promise<CommitReport> {
  const caKeys = ctx.keys.ca(options.caId);
  const groups = entries.groupByChunk(ctx.chunkBits);
  const report = { caId: options.caId, partition: options.partition, crlNumber: options.crlNumber, entries: entries.count };
  const contentId = options.contentId ?? null;
  for (let attempt = 1; attempt <= ctx.maxAttempts; attempt++) {
    const multi = await ctx.redis
      .multi()
      .hgetall(caKeys.current)
      .hgetall(caKeys.previous)
      .hget(caKeys.partitions, options.partition)
      .exec();
    if (multi === null) throw new StoreError('STORE_UNAVAILABLE', 'MULTI aborted');
    const [cur, prev, partJson] = multi.map(([err, v]) => {
      if (err) throw err;
      return v;
    }) as [Record<string, string>, Record<string, string>, string | null];
    const current = parseManifest(cur);
    const existing = partJson === null ? undefined : metaFromJson(partJson);
    if (attempt === 1) noticeLostHighWater(ctx, options.caId, current.epoch);
    if (decideLoad(existing, options) === 'noop') {
      if (current.epoch !== null) await ctx.highWater?.record(options.caId, options.partition, options.crlNumber, contentId, current.epoch);
      return { ...report, outcome: 'noop', generation: current.generation, chunksWritten: 0 };
    }
    if (attempt === 1) await ctx.highWater?.check(options.caId, options.partition, options.crlNumber, contentId);

    const loadId = randomBytes(6).toString('hex');
    const written: string[] = [];
    try {
      const manifestFields = await writeChunks(ctx, caKeys, current, entries, groups, loadId, written);
      await writeLong(ctx, caKeys, current, entries, loadId, written, manifestFields);
      const pending = caKeys.pendingManifest(loadId);
      await ctx.redis.multi().del(pending).hset(pending, manifestFields).pexpire(pending, ctx.pendingTtlMs).exec();
      written.push(pending);

      const generation = current.generation + 1;
      const meta = nextPartitionMeta(existing, options, entries.count, generation, options.loadedAtMs ?? Date.now());
      const epoch = current.epoch ?? newEpoch();
      const event = JSON.stringify({
        caId: options.caId,
        partition: options.partition,
        crlNumber: options.crlNumber.toString(),
        generation,
        epoch,
      });
      const persist = written.filter((k) => k !== pending);
      const garbage = droppedKeys(caKeys, parseManifest(prev), current);
      await list();
      const reply = await ctx.redis.switchGeneration(
        4 + persist.length + garbage.length,
        caKeys.current,
        caKeys.previous,
        caKeys.partitions,
        pending,
        ...persist,
        ...garbage,
        current.generation,
        options.partition,
        options.crlNumber.toString(),
        options.isDelta ? '1' : '0',
        options.baseCrlNumber?.toString() ?? '',
        metaToJson(meta),
        persist.length,
        ctx.keys.channel,
        event,
        current.epoch ?? '',
        epoch,
      );
      const [status, value, liveEpoch] = reply;
      if (status === 'OK') {
        written.length = 0; // live now: never unlink them
        await ctx.highWater?.record(options.caId, options.partition, options.crlNumber, contentId, liveEpoch ?? epoch);
        return { ...report, outcome: 'switched', generation: Number(value), chunksWritten: groups.chunkNos.length };
      }
      await unlinkAll(ctx.redis, written);
      if (status === 'NOOP') {
        if (liveEpoch) await ctx.highWater?.record(options.caId, options.partition, options.crlNumber, contentId, liveEpoch);
        return { ...report, outcome: 'noop', generation: Number(value), chunksWritten: 0 };
      }
      if (status === 'ROLLBACK') throw new RollbackError(options.caId, options.partition, BigInt(value), options.crlNumber);
      if (status === 'DELTA_BASE')
        throw new DeltaBaseError(options.caId, options.partition, options.baseCrlNumber ?? 0n, value === '' ? null : BigInt(value));
      // CONFLICT or EXPIRED: merge again on the new current generation
    } catch (e) {
      await unlinkAll(ctx.redis, written).catch(() => undefined);
      if (!(e instanceof RetryMerge)) throw e;
    }
  }
  throw new StoreError(
    'CONFLICT',
    `${options.caId}/${options.partition}: gave up after ${ctx.maxAttempts} attempts (other partitions kept switching)`,
  );
}

/** the high-water record knows CRLs of this CA that the store does not hold (or holds under another epoch): a data loss */
function noticeLostHighWater(ctx: CommitContext, caId: string, storeEpoch: string | null): void {
  const hw = ctx.highWater;
  if (hw === null) return;
  const recorded = hw.epoch(caId);
  const parts = hw.partitions(caId).length;
  if (recorded === undefined || parts === 0 || recorded === storeEpoch) return;
  ctx.onDataLoss({
    caId,
    previousEpoch: recorded,
    currentEpoch: storeEpoch,
    detectedAtMs: Date.now(),
    detail:
      storeEpoch === null
        ? `Redis holds nothing for ${caId}, but this fetcher accepted CRLs of ${parts} partition(s) of it (high-water record)`
        : `Redis holds ${caId} under epoch ${storeEpoch}, this fetcher's high-water record under ${recorded}`,
  });
}

async function writeChunks(
  ctx: CommitContext,
  caKeys: CaKeys,
  current: Manifest,
  entries: EntryBuffer,
  groups: ReturnType<EntryBuffer['groupByChunk']>,
  loadId: string,
  written: string[],
): Promise<Record<string, string>> {
  const fields: Record<string, string> = { [MANIFEST_GENERATION]: '0' };
  for (const [chunkNo, ref] of current.chunks) fields[chunkField(chunkNo)] = formatChunkRef(ref);
  if (current.longLoadId !== null) fields[MANIFEST_LONG] = current.longLoadId;
  const builder = ctx.builder();
  const chunkBytes = 2 ** ctx.chunkBits / 8;
  for (let k0 = 0; k0 < groups.chunkNos.length; k0 += READ_BATCH) {
    const batch = groups.chunkNos.slice(k0, k0 + READ_BATCH);
    const baseRefs = batch.flatMap((c) => current.chunks.get(c) ?? []);
    const bases = await readChunks(ctx.redis, caKeys, baseRefs, chunkBytes, ctx.cache);
    if (bases === null) throw new RetryMerge();
    let pipeline = ctx.redis.pipeline();
    let pendingBytes = 0;
    for (const [j, chunkNo] of batch.entries()) {
      const k = k0 + j;
      const merged = builder.build(
        loadId,
        chunkNo,
        bases.get(chunkNo) ?? null,
        entries,
        groups.order,
        groups.starts[k] as number,
        groups.starts[k + 1] as number,
      );
      if (merged === null) {
        delete fields[chunkField(chunkNo)];
        continue;
      }
      // not cached: a loader holds a whole CA's chunks at once only if it must (the next load reads its base back in batches)
      fields[chunkField(chunkNo)] = formatChunkRef({ chunkNo, loadId, count: merged.count, hasInval: merged.invalSec !== null });
      for (const [key, value] of encodeChunk(merged, caKeys.chunk(loadId, chunkNo)).writes) {
        pipeline.set(key, value, 'PX', ctx.pendingTtlMs);
        written.push(key);
        pendingBytes += value.length;
      }
      if (pendingBytes >= WRITE_BYTES) {
        await execAll(pipeline);
        pipeline = ctx.redis.pipeline();
        pendingBytes = 0;
      }
    }
    if (pipeline.length > 0) await execAll(pipeline);
  }
  return fields;
}

async function execAll(pipeline: ReturnType<RedisClient['pipeline']>): Promise<void> {
  for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
}

async function writeLong(
  ctx: CommitContext,
  caKeys: CaKeys,
  current: Manifest,
  entries: EntryBuffer,
  loadId: string,
  written: string[],
  fields: Record<string, string>,
): Promise<void> {
  if (entries.long.size === 0) return;
  const base: Map<bigint, LongEntry> = current.longLoadId === null ? new Map() : await readLong(ctx.redis, caKeys.long(current.longLoadId));
  const merged = mergeLong(base, entries.long);
  delete fields[MANIFEST_LONG];
  if (merged.size === 0) return;
  const key = caKeys.long(loadId);
  await ctx.redis.multi().hset(key, writeLongFields(merged)).pexpire(key, ctx.pendingTtlMs).exec();
  written.push(key);
  fields[MANIFEST_LONG] = loadId;
}

/** keys only the previous generation uses: after the switch no generation refers to them */
function droppedKeys(caKeys: CaKeys, previous: Manifest, current: Manifest): string[] {
  const out: string[] = [];
  for (const [chunkNo, ref] of previous.chunks) {
    if (current.chunks.get(chunkNo)?.loadId === ref.loadId) continue;
    out.push(...caKeys.chunk(ref.loadId, chunkNo).all());
  }
  if (previous.longLoadId !== null && previous.longLoadId !== current.longLoadId) out.push(caKeys.long(previous.longLoadId));
  return out;
}

async function unlinkAll(redis: RedisClient, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
}
