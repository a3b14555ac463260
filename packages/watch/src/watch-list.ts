/**
 * How an imported row (or a rotation) changes a customer's record, independent of where records live: which (CA, serial) watches
 * start and stop, and what goes into the history. A re-import of the same row changes nothing (idempotent); a row with another
 * serial or issuer is a reissue, exactly like `watch rotate`.
 */
import { formatSerial } from '@jpki-validator/x509';
import { WatchError } from './errors.js';
import type { WatchEntryInput, WatchRecord, WatchRepository } from './types.js';

export interface WatchTarget {
  caId: string;
  serial: bigint;
}

export interface UpsertPlan {
  record: WatchRecord;
  outcome: 'added' | 'updated' | 'unchanged';
  /** (CA, serial) pairs this customer stops watching */
  stop: WatchTarget[];
  /** (CA, serial) pairs this customer starts watching */
  start: WatchTarget[];
}

const targetsOf = (e: WatchEntryInput): WatchTarget[] => e.caIds.map((caId) => ({ caId, serial: e.serial }));
const sameTarget = (a: WatchTarget, b: WatchTarget): boolean => a.caId === b.caId && a.serial === b.serial;

export function planUpsert(old: WatchRecord | null, input: WatchEntryInput, nowMs: number): UpsertPlan {
  const fresh: WatchRecord = { ...input, caIds: [...input.caIds], updatedAtMs: nowMs, history: [] };
  if (old === null) return { record: fresh, outcome: 'added', stop: [], start: targetsOf(input) };
  const certChanged = old.serial !== input.serial || old.issuer !== input.issuer || old.caIds.join(',') !== input.caIds.join(',');
  if (!certChanged && old.notAfterMs === input.notAfterMs) return { record: old, outcome: 'unchanged', stop: [], start: [] };
  const before = targetsOf(old);
  const after = targetsOf(input);
  const history = certChanged
    ? [
        ...old.history,
        { issuer: old.issuer, caIds: old.caIds, serial: formatSerial(old.serial), notAfterMs: old.notAfterMs, untilMs: nowMs },
      ]
    : old.history;
  return {
    record: { ...fresh, history },
    outcome: 'updated',
    stop: before.filter((t) => !after.some((a) => sameTarget(a, t))),
    start: after.filter((t) => !before.some((b) => sameTarget(b, t))),
  };
}

export interface RotateOptions {
  customerId: string;
  serial: bigint;
  /** the new certificate's issuer when it changed (a new CA generation); default: the current one */
  issuer?: { issuer: string; caIds: readonly string[] };
  /** the new certificate's notAfter when known */
  notAfterMs?: number | null;
  nowMs?: number;
}

/** `watch rotate`: the customer's certificate was reissued. The old serial stops being watched for them; history keeps it. */
export async function rotateCustomer(repo: WatchRepository, options: RotateOptions): Promise<WatchRecord> {
  return repo.withLock(async () => {
    const old = await repo.get(options.customerId);
    if (old === null)
      throw new WatchError('WATCH_CUSTOMER_UNKNOWN', `customer ${JSON.stringify(options.customerId)} is not on the watch list`);
    const nowMs = options.nowMs ?? Date.now();
    await repo.upsert(
      [
        {
          customerId: old.customerId,
          issuer: options.issuer?.issuer ?? old.issuer,
          caIds: options.issuer?.caIds ?? old.caIds,
          serial: options.serial,
          notAfterMs: options.notAfterMs ?? null,
        },
      ],
      nowMs,
    );
    return (await repo.get(options.customerId)) ?? old;
  });
}

/** Imports rows in batches (each batch under the lock, so a pass sees whole batches). */
export async function importWatchList(
  repo: WatchRepository,
  rows: AsyncIterable<WatchEntryInput> | Iterable<WatchEntryInput>,
  options: { batchSize?: number; nowMs?: number } = {},
) {
  const size = options.batchSize ?? 5000;
  const nowMs = options.nowMs ?? Date.now();
  const total = { added: 0, updated: 0, unchanged: 0 };
  let batch: WatchEntryInput[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const rowsNow = batch;
    batch = [];
    const r = await repo.withLock(() => repo.upsert(rowsNow, nowMs));
    total.added += r.added;
    total.updated += r.updated;
    total.unchanged += r.unchanged;
  };
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= size) await flush();
  }
  await flush();
  return total;
}

/** record ↔ JSON (serials as contract hex) for storage */
export function recordToJson(r: WatchRecord): string {
  return JSON.stringify({ ...r, serial: formatSerial(r.serial) });
}

export function recordFromJson(text: string): WatchRecord {
  const o = JSON.parse(text) as Omit<WatchRecord, 'serial'> & { serial: string };
  return { ...o, serial: parseHexSerial(o.serial) };
}

/** the contract's output form back to a value (including the `-01` form of a negative serial) */
export function parseHexSerial(s: string): bigint {
  return s.startsWith('-') ? -BigInt(`0x${s.slice(1)}`) : BigInt(`0x${s}`);
}
