/**
 * The CRL-number high-water mark per (CA key, partition), in a local file that a store's data loss cannot erase: Redis restarted
 * without persistence, FLUSHALL, a failover to an empty replica, a deleted data directory. The store itself keeps each
 * partition's CRL number, but when it loses its data it forgets them all at once — and an older CRL, still validly signed and
 * not yet past its nextUpdate, would then load as if it were new (a rollback that un-revokes every certificate revoked since).
 * Checked at every commit against this record; raised only after a switch (or a same-number no-op) succeeded, so a CRL refused
 * for another reason (a delta on a missing base) never blocks the CRL it needed.
 *
 * It also remembers the store's epoch per CA as last seen: a different epoch, or none, while marks exist is a data loss.
 *
 * An append-only log, one JSON line per record — a record costs one small append, never a rewrite of every partition's mark
 * (1,741 per national CA: rewriting them per switch made a national load quadratic):
 *
 *   {"format":2}
 *   {"ca":"jpki-sign-2023","p":"p0001","n":"12","c":"<content id>"|null,"e":"<epoch>"}
 *
 * Folding: per (ca, p) the highest number wins; per CA the last line's epoch. A reader re-reads only what was appended since
 * (a stat per check). The log is compacted (rewritten atomically, one line per mark) when it holds many more lines than marks.
 * Several processes may share the file: appends and compactions happen under a lock file (or under a lock the caller holds:
 * `lock: false`). Durable: fsynced in groups (GroupSync) a moment after each append, or at once by flush().
 */
import { closeSync, fstatSync, openSync, type Stats, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { CrlNumberReusedError, RollbackError, StoreError } from '../errors.js';
import { acquireLockFile, tryLockFileSync, writeFileAtomic } from '@jpki-validator/files';
import { GroupSync } from './group-sync.js';
import { writerLockOptions } from './writer-lock.js';

const FORMAT = 2;
const HEADER = `${JSON.stringify({ format: FORMAT })}\n`;

export interface HighWaterMark {
  crlNumber: bigint;
  /** what identifies the CRL's content (the fetcher gives a hash of its signature); null when unknown */
  contentId: string | null;
}

interface CaMarks {
  epoch: string | null;
  partitions: Map<string, HighWaterMark>;
}

interface Line {
  ca: string;
  p: string;
  n: string;
  c: string | null;
  e: string | null;
}

export interface CrlHighWaterOptions {
  /** fsync (in groups, a moment after each record); default true */
  durable?: boolean;
  /** take a lock file around appends and compactions; false when every writer already holds one (the embedded writer lock) */
  lock?: boolean;
}

export class CrlHighWater {
  readonly path: string;
  private readonly lock: boolean;
  private readonly sync: GroupSync | null;
  private cas = new Map<string, CaMarks>();
  /** the file folded so far: its inode and how many bytes of it */
  private ino = -1;
  private offset = 0;
  private lines = 0;
  /** the last fold or append of this process (serially) */
  private tail: Promise<void> = Promise.resolve();

  private constructor(path: string, options: CrlHighWaterOptions) {
    this.path = path;
    this.lock = options.lock ?? true;
    this.sync = (options.durable ?? true) ? new GroupSync() : null;
  }

  static async open(path: string, options: CrlHighWaterOptions = {}): Promise<CrlHighWater> {
    const hw = new CrlHighWater(path, options);
    await hw.refresh();
    if (hw.lock) await hw.compactIfLarge();
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

  /** how many partitions of the CA have a mark (checked at every commit: no list of 1,741 names sorted each time) */
  partitionCount(caId: string): number {
    return this.cas.get(caId)?.partitions.size ?? 0;
  }

  /**
   * Throws RollbackError (lower number) or CrlNumberReusedError (same number, other content) against the record. Same number and
   * same (or unknown) content passes: reloading the CRL already accepted is what a store that lost its data needs.
   */
  async check(caId: string, partition: string, crlNumber: bigint, contentId: string | null): Promise<void> {
    await this.serially(() => this.refresh());
    const mark = this.mark(caId, partition);
    if (mark === undefined) return;
    if (crlNumber < mark.crlNumber) throw new RollbackError(caId, partition, mark.crlNumber, crlNumber, 'high-water');
    if (crlNumber === mark.crlNumber && contentId !== null && mark.contentId !== null && contentId !== mark.contentId) {
      throw new CrlNumberReusedError(caId, partition, crlNumber);
    }
  }

  /** raises the mark (never lowers it) and notes the store's epoch: one appended line */
  async record(caId: string, partition: string, crlNumber: bigint, contentId: string | null, epoch: string): Promise<void> {
    this.apply({ ca: caId, p: partition, n: crlNumber.toString(), c: contentId, e: epoch });
    const line = `${JSON.stringify({ ca: caId, p: partition, n: crlNumber.toString(), c: contentId, e: epoch })}\n`;
    await this.serially(async () => {
      // the lock is free nearly always: taken, written and released in synchronous calls (a few tens of microseconds); when it
      // is held, the waiting (and the breaking of a stale lock) is acquireLockFile's
      const release = this.lock ? tryLockFileSync(`${this.path}.lock`) : () => undefined;
      if (release === null) return this.exclusive(async () => this.append(line));
      try {
        this.append(line);
      } finally {
        release();
      }
    });
    this.sync?.mark(this.path);
  }

  /** appends a line (the header first into an empty file); callers hold the lock and run serially */
  private append(line: string): void {
    const fd = openSync(this.path, 'a');
    try {
      const before = fstatSync(fd);
      const text = before.size === 0 ? HEADER + line : line;
      writeSync(fd, text);
      // The line is folded already (apply): when nothing else was appended since the last fold, the fold moves past it, so the
      // next check does not read this process's own lines back (a stat instead of an open, read and close per commit). Safe
      // under the lock (no other writer) and serially (no fold of this process running meanwhile).
      if (before.ino === this.ino && before.size === this.offset) {
        this.offset += Buffer.byteLength(text);
        this.lines++;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** one fold or append of this process at a time: an append moves the fold's offset, which a fold running meanwhile also moves */
  private serially(work: () => Promise<void>): Promise<void> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** everything recorded is on disk when this resolves */
  async flush(): Promise<void> {
    await this.sync?.flush();
  }

  /**
   * Rewrites the log as one line per mark when it holds many more lines than marks. The caller must hold the writers' lock when
   * this record was opened with `lock: false`.
   */
  async compactIfLarge(): Promise<void> {
    await this.serially(() => this.compactIfLargeNow());
  }

  private async compactIfLargeNow(): Promise<void> {
    await this.refresh();
    let marks = 0;
    for (const ca of this.cas.values()) marks += ca.partitions.size;
    if (this.lines <= 2 * marks + 64) return;
    await this.exclusive(async () => {
      await this.refresh();
      let text = HEADER;
      for (const caId of this.caIds()) {
        const ca = this.cas.get(caId) as CaMarks;
        for (const [p, m] of ca.partitions) {
          text += `${JSON.stringify({ ca: caId, p, n: m.crlNumber.toString(), c: m.contentId, e: ca.epoch })}\n`;
        }
      }
      await writeFileAtomic(this.path, [Buffer.from(text, 'utf8')]);
      this.ino = -1; // read the new file from its start next time
      this.offset = 0;
      this.lines = 0;
      await this.refresh();
    });
  }

  private async exclusive(work: () => Promise<void>): Promise<void> {
    const release = this.lock ? await acquireLockFile(`${this.path}.lock`, writerLockOptions(30_000)) : null;
    try {
      await work();
    } finally {
      await release?.();
    }
  }

  private apply(line: Line): void {
    let ca = this.cas.get(line.ca);
    if (ca === undefined) {
      ca = { epoch: null, partitions: new Map() };
      this.cas.set(line.ca, ca);
    }
    if (line.e !== null) ca.epoch = line.e;
    const n = BigInt(line.n);
    const held = ca.partitions.get(line.p);
    if (held === undefined || n > held.crlNumber) ca.partitions.set(line.p, { crlNumber: n, contentId: line.c });
    else if (n === held.crlNumber && held.contentId === null && line.c !== null)
      ca.partitions.set(line.p, { crlNumber: n, contentId: line.c });
  }

  /** folds what was appended since the last read (all of it when the file was replaced by a compaction) */
  private async refresh(): Promise<void> {
    let s: Stats;
    try {
      // synchronous: a check per commit, nearly always answered by this stat alone (through the thread pool it cost more)
      s = statSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    if (s.ino === this.ino && s.size === this.offset) return;
    if (s.ino !== this.ino || s.size < this.offset) {
      this.ino = s.ino;
      this.offset = 0;
      this.lines = 0;
    }
    const bytes = await readRange(this.path, this.offset, s.size);
    const end = bytes.lastIndexOf(0x0a) + 1; // a line being appended right now waits for the next read
    if (end === 0) return;
    const text = bytes.toString('utf8', 0, end);
    const at = this.offset;
    this.offset += end;
    for (const raw of text.split('\n')) {
      if (raw === '') continue;
      let line: Partial<Line> & { format?: unknown };
      try {
        line = JSON.parse(raw) as Partial<Line> & { format?: unknown };
      } catch (e) {
        throw new StoreError(
          'HIGH_WATER_CORRUPT',
          `${this.path}: a line is not JSON near byte ${at} (the CRL-number record; repair or remove it deliberately)`,
          {
            cause: e,
          },
        );
      }
      if (line.format === 1) {
        this.foldFormat1(line as Format1);
        continue;
      }
      if (line.format !== undefined) {
        if (line.format !== FORMAT) throw corrupt(this.path, `format ${String(line.format)} is not ${FORMAT}`);
        continue;
      }
      if (typeof line.ca !== 'string' || typeof line.p !== 'string' || typeof line.n !== 'string' || !/^\d+$/.test(line.n)) {
        throw corrupt(this.path, `a line near byte ${at} is not a mark {ca, p, n, c, e}`);
      }
      this.apply({
        ca: line.ca,
        p: line.p,
        n: line.n,
        c: typeof line.c === 'string' ? line.c : null,
        e: typeof line.e === 'string' ? line.e : null,
      });
      this.lines++;
    }
  }

  /** the first format (one JSON object on the first line, rewritten whole): folded, then the next compaction writes it as a log */
  private foldFormat1(o: Format1): void {
    for (const [caId, ca] of Object.entries(o.cas ?? {})) {
      for (const [p, m] of Object.entries(ca.partitions ?? {})) {
        if (typeof m.crlNumber !== 'string' || !/^\d+$/.test(m.crlNumber))
          throw corrupt(this.path, `cas.${caId}.partitions.${p}.crlNumber is not a decimal`);
        this.apply({ ca: caId, p, n: m.crlNumber, c: typeof m.contentId === 'string' ? m.contentId : null, e: null });
        this.lines += 2; // count it as worth compacting
      }
      const known = this.cas.get(caId);
      if (known !== undefined && typeof ca.epoch === 'string') known.epoch = ca.epoch;
    }
  }
}

interface Format1 {
  cas?: Record<string, { epoch?: unknown; partitions?: Record<string, { crlNumber?: unknown; contentId?: unknown }> }>;
}

function corrupt(path: string, why: string): StoreError {
  return new StoreError('HIGH_WATER_CORRUPT', `${path}: ${why} (the CRL-number record; repair or remove it deliberately)`);
}

async function readRange(path: string, from: number, to: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const out = Buffer.alloc(to - from);
    let got = 0;
    while (got < out.length) {
      const { bytesRead } = await handle.read(out, got, out.length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return out.subarray(0, got);
  } finally {
    await handle.close();
  }
}
