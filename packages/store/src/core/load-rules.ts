/**
 * The rules that decide whether a CRL may switch a (caId, partition): CRL numbers rise per scope (a full CRL and its deltas share
 * one sequence), the same number is a no-op, a lower one a rollback; a delta applies only on a loaded full CRL whose number is
 * ≥ its BaseCRLNumber (RFC 5280 §5.2.4). The embedded store runs these under its lock; the Redis switch script
 * (switchGeneration-4.lua) runs the same checks atomically with the switch.
 */
import { DeltaBaseError, RollbackError, StoreError } from '../errors.js';
import type { LoadOptions, PartitionMeta } from '../types.js';
import type { LongEntry } from './entry-buffer.js';
import { REMOVE_FROM_CRL } from '@jpki-validator/x509';

export function checkLoadOptions(options: LoadOptions): void {
  if (options.isDelta && options.baseCrlNumber === undefined) {
    throw new StoreError('DELTA_BASE', `delta CRL ${options.crlNumber} for ${options.caId}/${options.partition} has no baseCrlNumber`);
  }
  if (options.crlNumber < 0n) throw new StoreError('ENTRY_INVALID', `CRL number ${options.crlNumber} is negative`);
}

/** 'apply' or 'noop'; throws RollbackError / DeltaBaseError */
export function decideLoad(existing: PartitionMeta | undefined, options: LoadOptions): 'apply' | 'noop' {
  if (existing !== undefined) {
    if (options.crlNumber === existing.crlNumber) return 'noop';
    if (options.crlNumber < existing.crlNumber)
      throw new RollbackError(options.caId, options.partition, existing.crlNumber, options.crlNumber);
  }
  if (options.isDelta) {
    const base = options.baseCrlNumber ?? 0n;
    if (existing === undefined || existing.fullCrlNumber < base) {
      throw new DeltaBaseError(options.caId, options.partition, base, existing?.fullCrlNumber ?? null);
    }
  }
  return 'apply';
}

export function nextPartitionMeta(
  existing: PartitionMeta | undefined,
  options: LoadOptions,
  entries: number,
  generation: number,
  loadedAtMs: number,
): PartitionMeta {
  return {
    partition: options.partition,
    crlNumber: options.crlNumber,
    fullCrlNumber: options.isDelta ? (existing?.fullCrlNumber ?? 0n) : options.crlNumber,
    isDelta: options.isDelta,
    thisUpdateMs: options.thisUpdateMs,
    nextUpdateMs: options.nextUpdateMs,
    entries,
    loadedAtMs,
    source: options.source,
    generation,
  };
}

/** the fallback structure's merge: same rules as the bitmap chunks (final, latest wins, removeFromCRL deletes) */
export function mergeLong(base: ReadonlyMap<bigint, LongEntry>, patch: ReadonlyMap<bigint, LongEntry>): Map<bigint, LongEntry> {
  const out = new Map(base);
  for (const [serial, e] of patch) {
    if (e.reasonCode === REMOVE_FROM_CRL) out.delete(serial);
    else out.set(serial, e);
  }
  return out;
}

/** PartitionMeta ↔ JSON (bigints as decimal strings, as the contract prints CRL numbers) */
export function metaToJson<M extends PartitionMeta>(m: M): string {
  return JSON.stringify({ ...m, crlNumber: m.crlNumber.toString(), fullCrlNumber: m.fullCrlNumber.toString() });
}

export function metaFromJson(text: string): PartitionMeta {
  const o = JSON.parse(text) as Omit<PartitionMeta, 'crlNumber' | 'fullCrlNumber'> & { crlNumber: string; fullCrlNumber: string };
  return { ...o, crlNumber: BigInt(o.crlNumber), fullCrlNumber: BigInt(o.fullCrlNumber) };
}

export function sortPartitions(metas: Iterable<PartitionMeta>): PartitionMeta[] {
  return [...metas].sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
}

/** the expected-partition record as stored: {"partitions":[…],"declaredAtMs":…} */
export function expectedJson(partitions: readonly string[]): string {
  return JSON.stringify({ partitions: [...new Set(partitions)].sort(), declaredAtMs: Date.now() });
}

/** the partitions of an expected-partition record; null when there is none or it cannot be read (never "complete" by mistake) */
export function parseExpected(text: string | null): readonly string[] | null {
  if (text === null) return null;
  try {
    const o = JSON.parse(text) as { partitions?: unknown };
    return Array.isArray(o.partitions) && o.partitions.every((p) => typeof p === 'string') ? (o.partitions as string[]) : null;
  } catch {
    return null;
  }
}
