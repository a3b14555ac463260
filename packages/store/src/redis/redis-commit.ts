/**
 * Commit of one load into Redis: read the partition's current run, merge the load into it (mergeRun: the new run and its
 * changes), write the new run and the change list under fresh keys with a TTL, then switch with switchPartition-6.lua — the
 * writes and the switch in one pipeline, so a commit costs two round trips (read, write-and-switch) on the critical path of a
 * CA's serialised commits (a run past one command's size is written first, piece by piece). The
 * cost is the partition's own size: other partitions' runs are neither read nor written, and a switch of another partition
 * meanwhile conflicts with nothing. If the same partition switched meanwhile (another loader), or the CA's data was lost and
 * loaded again, the script answers CONFLICT and the merge is redone on the new run (the entries are still in memory).
 */
import { randomBytes } from 'node:crypto';
import type { StoredPartition } from '../core/ca-state.js';
import { encodeSwitchChanges } from '../core/changes-codec.js';
import type { EntryBuffer } from '../core/entry-buffer.js';
import { newEpoch } from '../core/epoch.js';
import { decideLoad, metaFromJson, metaToJson, nextPartitionMeta } from '../core/load-rules.js';
import { addedByReason, mergeRun, type PartitionRun } from '../core/partition-run.js';
import { decodeRun, encodeRun } from '../core/run-codec.js';
import { DeltaBaseError, RollbackError, StoreError } from '../errors.js';
import type { CrlHighWater } from '../files/crl-high-water.js';
import type { CommitReport, DataLossNotice, LoadOptions } from '../types.js';
import type { StoreCommands, SwitchReply } from './commands.js';
import type { RedisClient } from './connection.js';
import { type CaKeys, CURRENT_EPOCH, CURRENT_GENERATION, GENERATION_PLACEHOLDER, type StoreKeys } from './keys.js';
import { fitsOneCommand, readRunKey, writeRunKey } from './run-io.js';

export interface CommitContext {
  redis: RedisClient & StoreCommands;
  keys: StoreKeys;
  pendingTtlMs: number;
  maxAttempts: number;
  /** the local CRL-number record that outlives a data loss (RedisStoreOptions.highWaterFile) */
  highWater: CrlHighWater | null;
  onDataLoss: (notice: DataLossNotice) => void;
}

/**
 * The CA-id set sits outside the CA's hash slot, so on a Redis Cluster the switch script cannot add the id in its atomic step.
 * The id is therefore listed BEFORE every switch (a loader dying right after the switch must not leave a live CA unlisted; the
 * SADD goes out beside the commit's first read, in its round trip) and again after the CA's FIRST switch, which repairs a concurrent
 * unlisting: unlistIfNeverSwitched removes an id only while the CA has no current hash and re-adds it if one appeared meanwhile,
 * so the only unlisting it can miss is one that lands just before a first switch. A later switch cannot meet one (the switch
 * checks the epoch read before it, so the CA's hash existed throughout). A load that ends without any generation of the CA
 * unlists it again, so a refused first load leaves nothing behind. caIds() also skips ids whose current hash does not exist.
 */
export async function commitToRedis(ctx: CommitContext, options: LoadOptions, entries: EntryBuffer): Promise<CommitReport> {
  let listed = false;
  const list = async (): Promise<void> => {
    listed = true; // before the reply: a SADD that reached Redis and then failed to answer may still have listed it
    await ctx.redis.sadd(ctx.keys.cas, options.caId);
  };
  try {
    const report = await commitAttempts(ctx, options, entries, list);
    if (report.outcome !== 'switched' && listed) await unlistIfNeverSwitched(ctx, options.caId);
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
  const report = { caId: options.caId, partition: options.partition, crlNumber: options.crlNumber, entries: entries.count };
  const contentId = options.contentId ?? null;
  for (let attempt = 1; attempt <= ctx.maxAttempts; attempt++) {
    // the CA is listed before its switch, in the first read's round trip (see commitToRedis)
    const listing = attempt === 1 ? settled(list()) : null;
    const read = ctx.redis
      .multi()
      .hmget(caKeys.current, CURRENT_EPOCH, CURRENT_GENERATION)
      .hget(caKeys.partitions, options.partition)
      .exec();
    // the high-water check is local (a stat, and a read of what other processes appended): it runs during the round trip, and
    // its verdict counts only when the load is not a no-op (as before: a CRL already held is never refused by it)
    const checked = attempt === 1 ? settled(ctx.highWater?.check(options.caId, options.partition, options.crlNumber, contentId)) : null;
    const replies = await read.finally(() => Promise.all([checked, listing]));
    if (replies === null) throw new StoreError('STORE_UNAVAILABLE', 'MULTI aborted');
    const [[epochErr, cur], [partErr, partJson]] = replies as [[Error | null, (string | null)[]], [Error | null, string | null]];
    if (epochErr) throw epochErr;
    if (partErr) throw partErr;
    const storeEpoch = cur[0] ?? null;
    const generation = Number(cur[1] ?? 0);
    const existing = partJson === null ? undefined : (metaFromJson(partJson) as StoredPartition);
    if (attempt === 1) noticeLostHighWater(ctx, options.caId, storeEpoch);
    if (decideLoad(existing, options) === 'noop') {
      if (storeEpoch !== null) await ctx.highWater?.record(options.caId, options.partition, options.crlNumber, contentId, storeEpoch);
      return { ...report, outcome: 'noop', generation, changes: 0, addedByReason: null };
    }
    const refusal = await checked;
    if (refusal?.error !== undefined) throw refusal.error;
    const unlisted = await listing;
    if (unlisted?.error !== undefined) throw unlisted.error;

    const baseRun = existing === undefined ? null : await readRun(ctx, caKeys, existing);
    if (existing !== undefined && baseRun === null) continue; // replaced meanwhile: read again
    const merge = mergeRun(baseRun, entries);
    const { run, changes, previousReasons } = merge;
    const loadId = randomBytes(6).toString('hex');
    const runKey = caKeys.run(loadId);
    const pendingChanges = caKeys.pendingChanges(loadId);
    const written = [runKey, pendingChanges];
    try {
      const runParts = encodeRun(run);
      let runBytes = 0;
      for (const part of runParts) runBytes += part.length;
      const meta: StoredPartition = {
        ...nextPartitionMeta(existing, options, entries.count, GENERATION_PLACEHOLDER, options.loadedAtMs ?? Date.now()),
        loadId,
        baseLoadId: existing?.loadId ?? null,
        runBytes,
      };
      const event = JSON.stringify({
        caId: options.caId,
        partition: options.partition,
        crlNumber: options.crlNumber.toString(),
        generation: GENERATION_PLACEHOLDER,
        epoch: '',
      });
      // The run (when it fits one command), the changes and the switch go out in one round trip: every key is in the CA's slot,
      // and Redis runs a connection's commands in order. A write that fails leaves its key missing, so the switch answers
      // EXPIRED and changes nothing; the write's error is then the one thrown. A bigger run is written piece by piece first.
      const pipeline = ctx.redis.pipeline();
      if (fitsOneCommand(runBytes)) pipeline.set(runKey, Buffer.concat(runParts, runBytes), 'PX', ctx.pendingTtlMs);
      else await writeRunKey(ctx.redis, runKey, runParts, ctx.pendingTtlMs);
      // generations are filled in from the CA's hash when read back (the switch makes them)
      pipeline.set(pendingChanges, encodeSwitchChanges(0, 0, [{ changes, previousReasons }]), 'PX', ctx.pendingTtlMs);
      (pipeline as unknown as StoreCommands).switchPartition(
        caKeys.current,
        caKeys.partitions,
        runKey,
        existing === undefined ? runKey : caKeys.run(existing.loadId),
        pendingChanges,
        caKeys.changes,
        options.partition,
        options.crlNumber.toString(),
        options.isDelta ? '1' : '0',
        options.baseCrlNumber?.toString() ?? '',
        metaToJson(meta),
        existing?.loadId ?? '',
        storeEpoch ?? '',
        newEpoch(),
        ctx.keys.channel,
        event,
        loadId,
      );
      const writes = await pipeline.exec();
      if (writes === null) throw new StoreError('STORE_UNAVAILABLE', 'pipeline aborted');
      const [switchErr, switchReply] = writes[writes.length - 1] as [Error | null, SwitchReply];
      const writeErr = writes.slice(0, -1).find(([err]) => err)?.[0];
      if (switchErr) throw writeErr ?? switchErr;
      const [status, value, liveEpoch] = switchReply;
      if (status !== 'OK' && writeErr) throw writeErr;
      if (status === 'OK') {
        written.length = 0; // live now: never unlink them
        // the mark is raised only now that the switch succeeded; the CA's first switch lists its id again (see commitToRedis)
        await Promise.all([
          ctx.highWater?.record(options.caId, options.partition, options.crlNumber, contentId, liveEpoch ?? ''),
          storeEpoch === null ? list() : undefined,
        ]);
        return {
          ...report,
          outcome: 'switched',
          generation: Number(value),
          changes: changes.count,
          addedByReason: addedByReason(merge, baseRun !== null),
        };
      }
      await ctx.redis.unlink(...written);
      written.length = 0;
      if (status === 'NOOP') {
        if (liveEpoch) await ctx.highWater?.record(options.caId, options.partition, options.crlNumber, contentId, liveEpoch);
        return { ...report, outcome: 'noop', generation: Number(value), changes: 0, addedByReason: null };
      }
      if (status === 'ROLLBACK') throw new RollbackError(options.caId, options.partition, BigInt(value), options.crlNumber);
      if (status === 'DELTA_BASE')
        throw new DeltaBaseError(options.caId, options.partition, options.baseCrlNumber ?? 0n, value === '' ? null : BigInt(value));
      // CONFLICT or EXPIRED: merge again on what is current now
    } finally {
      if (written.length > 0) await ctx.redis.unlink(...written).catch(() => undefined);
    }
  }
  throw new StoreError(
    'CONFLICT',
    `${options.caId}/${options.partition}: gave up after ${ctx.maxAttempts} attempts (the partition kept switching under the merge)`,
  );
}

/** a partition's run as of `meta`; null when it was replaced meanwhile */
export async function readRun(ctx: { redis: RedisClient }, caKeys: CaKeys, meta: StoredPartition): Promise<PartitionRun | null> {
  const key = caKeys.run(meta.loadId);
  const bytes = await readRunKey(ctx.redis, key, meta.runBytes);
  return bytes === null ? null : decodeRun(bytes, key);
}

/** the high-water record knows CRLs of this CA that the store does not hold (or holds under another epoch): a data loss */
function noticeLostHighWater(ctx: CommitContext, caId: string, storeEpoch: string | null): void {
  const hw = ctx.highWater;
  if (hw === null) return;
  const recorded = hw.epoch(caId);
  const parts = hw.partitionCount(caId);
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

/** a promise's outcome without its rejection escaping (awaited later, or never when the load turns out a no-op) */
async function settled(work: Promise<void> | undefined): Promise<{ error?: unknown }> {
  try {
    await work;
    return {};
  } catch (error) {
    return { error };
  }
}
