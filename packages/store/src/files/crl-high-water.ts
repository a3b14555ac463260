/**
 * The CRL-number high-water mark per (CA key, partition), in a local file that a store's data loss cannot erase: Redis restarted
 * without persistence, FLUSHALL, a failover to an empty replica, a deleted snapshot. The store itself keeps each partition's CRL
 * number, but when it loses its data it forgets them all at once — and an older CRL, still validly signed and not yet past its
 * nextUpdate, would then load as if it were new (a rollback that un-revokes every certificate revoked since). Checked at every
 * commit against this record; raised only after a switch (or a same-number no-op) succeeded, so a CRL refused for another reason
 * (a delta on a missing base) never blocks the CRL it needed.
 *
 * It also remembers the store's epoch per CA as last seen: a different epoch, or none, while marks exist is a data loss.
 *
 *   {"format":1,"cas":{"<caId>":{"epoch":"…"|null,"partitions":{"<partition>":{"crlNumber":"12","contentId":"…"|null}}}}}
 *
 * Written atomically under a lock file; processes sharing the file merge what they record (highest number wins). Concurrent
 * records of one process share one write (a national refresh commits 1,741 partitions; each write is an fsync).
 */
import { readFile, stat } from 'node:fs/promises';
import { CrlNumberReusedError, RollbackError, StoreError } from '../errors.js';
import { acquireLockFile, writeFileAtomic } from '@jpki-validator/files';
import { writerLockOptions } from './writer-lock.js';

const FORMAT = 1;

export interface HighWaterMark {
  crlNumber: bigint;
  /** what identifies the CRL's content (the fetcher gives a hash of its signature); null when unknown */
  contentId: string | null;
}

interface CaMarks {
  epoch: string | null;
  partitions: Map<string, HighWaterMark>;
}

interface FileShape {
  format: number;
  cas: Record<string, { epoch: string | null; partitions: Record<string, { crlNumber: string; contentId: string | null }> }>;
}

interface PendingRecord {
  caId: string;
  partition: string;
  mark: HighWaterMark;
  epoch: string;
  done: () => void;
  failed: (e: unknown) => void;
}

export class CrlHighWater {
  readonly path: string;
  private cas = new Map<string, CaMarks>();
  /** what the file looked like when last read (mtime, inode, size): re-read when another process changed it */
  private stamp = '';
  private pending: PendingRecord[] = [];
  private flushing: Promise<void> | null = null;

  private readonly durable: boolean;
  private readonly lock: boolean;

  private constructor(path: string, durable: boolean, lock: boolean) {
    this.path = path;
    this.durable = durable;
    this.lock = lock;
  }

  /**
   * `durable: false` writes without fsync (atomic still): for the embedded store, whose record guards against its files being
   * deleted, not against a power loss — after which the run files, fsynced, still carry every number. A Redis fetcher's record
   * is durable: it is the only local trace of what Redis held. `lock: false` when every writer of the file already holds a
   * lock of its own (the embedded store's writer lock).
   */
  static async open(path: string, options: { durable?: boolean; lock?: boolean } = {}): Promise<CrlHighWater> {
    const hw = new CrlHighWater(path, options.durable ?? true, options.lock ?? true);
    await hw.refresh();
    return hw;
  }

  /** the mark of one scope, if any CRL of it was ever accepted here */
  mark(caId: string, partition: string): HighWaterMark | undefined {
    return this.cas.get(caId)?.partitions.get(partition);
  }

  /** the store epoch last seen for the CA (undefined: nothing recorded) */
  epoch(caId: string): string | null | undefined {
    return this.cas.get(caId)?.epoch;
  }

  caIds(): string[] {
    return [...this.cas.keys()].sort();
  }

  partitions(caId: string): string[] {
    return [...(this.cas.get(caId)?.partitions.keys() ?? [])].sort();
  }

  /**
   * Throws RollbackError (lower number) or CrlNumberReusedError (same number, other content) against the record. Same number and
   * same (or unknown) content passes: reloading the CRL already accepted is what a store that lost its data needs.
   */
  async check(caId: string, partition: string, crlNumber: bigint, contentId: string | null): Promise<void> {
    await this.refresh();
    const mark = this.mark(caId, partition);
    if (mark === undefined) return;
    if (crlNumber < mark.crlNumber) throw new RollbackError(caId, partition, mark.crlNumber, crlNumber, 'high-water');
    if (crlNumber === mark.crlNumber && contentId !== null && mark.contentId !== null && contentId !== mark.contentId) {
      throw new CrlNumberReusedError(caId, partition, crlNumber);
    }
  }

  /** raises the mark (never lowers it) and notes the store's epoch; resolves once it is on disk */
  record(caId: string, partition: string, crlNumber: bigint, contentId: string | null, epoch: string): Promise<void> {
    this.apply(caId, partition, { crlNumber, contentId }, epoch);
    return new Promise<void>((done, failed) => {
      this.pending.push({ caId, partition, mark: { crlNumber, contentId }, epoch, done, failed });
      this.flushing ??= this.flushLoop().finally(() => {
        this.flushing = null;
      });
    });
  }

  private apply(caId: string, partition: string, mark: HighWaterMark, epoch: string | null): void {
    let ca = this.cas.get(caId);
    if (ca === undefined) {
      ca = { epoch, partitions: new Map() };
      this.cas.set(caId, ca);
    } else if (epoch !== null) ca.epoch = epoch;
    const held = ca.partitions.get(partition);
    if (held === undefined || mark.crlNumber > held.crlNumber) ca.partitions.set(partition, mark);
    else if (mark.crlNumber === held.crlNumber && held.contentId === null && mark.contentId !== null) ca.partitions.set(partition, mark);
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      try {
        const release = this.lock ? await acquireLockFile(`${this.path}.lock`, writerLockOptions(30_000)) : async () => undefined;
        try {
          // another process may have written since: merge its marks with ours
          await this.refresh(true);
          for (const r of batch) this.apply(r.caId, r.partition, r.mark, r.epoch);
          await writeFileAtomic(this.path, [Buffer.from(`${JSON.stringify(this.toFile())}\n`, 'utf8')], { durable: this.durable });
          this.stamp = await stampOf(this.path);
        } finally {
          await release();
        }
        for (const r of batch) r.done();
      } catch (e) {
        for (const r of batch) r.failed(e);
      }
    }
  }

  private toFile(): FileShape {
    const cas: FileShape['cas'] = {};
    for (const caId of this.caIds()) {
      const ca = this.cas.get(caId) as CaMarks;
      const partitions: FileShape['cas'][string]['partitions'] = {};
      for (const p of [...ca.partitions.keys()].sort()) {
        const m = ca.partitions.get(p) as HighWaterMark;
        partitions[p] = { crlNumber: m.crlNumber.toString(), contentId: m.contentId };
      }
      cas[caId] = { epoch: ca.epoch, partitions };
    }
    return { format: FORMAT, cas };
  }

  /**
   * Merges the file's marks into this process's (highest number wins; marks are never dropped) when the file changed on disk,
   * or always with `force`. The file's epoch per CA replaces ours: it is the latest another process saw.
   */
  private async refresh(force = false): Promise<void> {
    const stamp = await stampOf(this.path);
    if (stamp === this.stamp && !force) return;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.stamp = '';
        return;
      }
      throw e;
    }
    for (const [caId, ca] of parseFile(text, this.path)) {
      for (const [p, m] of ca.partitions) this.apply(caId, p, m, null);
      const held = this.cas.get(caId);
      if (held === undefined) this.cas.set(caId, { epoch: ca.epoch, partitions: new Map() });
      else if (ca.epoch !== null) held.epoch = ca.epoch;
    }
    this.stamp = stamp;
  }
}

async function stampOf(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.mtimeMs}:${s.ino}:${s.size}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

/** a damaged record is refused loudly: silently starting from nothing would disable the very protection it exists for */
function parseFile(text: string, path: string): Map<string, CaMarks> {
  const corrupt = (why: string): StoreError =>
    new StoreError('HIGH_WATER_CORRUPT', `${path}: ${why} (the CRL-number record; repair or remove it deliberately)`);
  let o: FileShape;
  try {
    o = JSON.parse(text) as FileShape;
  } catch (e) {
    throw new StoreError('HIGH_WATER_CORRUPT', `${path}: not JSON (the CRL-number record; repair or remove it deliberately)`, { cause: e });
  }
  if (typeof o !== 'object' || o === null || o.format !== FORMAT || typeof o.cas !== 'object' || o.cas === null)
    throw corrupt(`format ${String((o as { format?: unknown } | null)?.format)} is not ${FORMAT}`);
  const out = new Map<string, CaMarks>();
  for (const [caId, ca] of Object.entries(o.cas)) {
    const partitions = new Map<string, HighWaterMark>();
    for (const [p, m] of Object.entries(ca.partitions ?? {})) {
      if (typeof m?.crlNumber !== 'string' || !/^\d+$/.test(m.crlNumber))
        throw corrupt(`cas.${caId}.partitions.${p}.crlNumber is not a decimal`);
      partitions.set(p, { crlNumber: BigInt(m.crlNumber), contentId: typeof m.contentId === 'string' ? m.contentId : null });
    }
    out.set(caId, { epoch: typeof ca.epoch === 'string' ? ca.epoch : null, partitions });
  }
  return out;
}
