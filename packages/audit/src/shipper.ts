/**
 * Ships journals (journal/format.ts) into the audit database, in order and exactly once: it reads whole blocks from a journal's
 * cursor, writes their rows and the cursor's new place in ONE transaction (sink/types.ts `write`), and only then moves on. A
 * database that is down, or a write whose outcome is unknown, leaves the cursor where the database says it is: the same blocks
 * are read again and written once. The journal is the spool: while the database is away it grows on disk, and nothing is held in
 * memory but the batch in hand. Segments wholly behind the cursor are deleted; orphaned journals of dead processes are adopted and
 * shipped the same way (journal/journal-dirs.ts).
 *
 * Runs in the audit worker thread (worker.ts), off the thread that answers requests; tests drive it directly.
 */
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditError } from './errors.js';
import { comparePositions, type JournalPosition, segmentName, unpackPosition } from './journal/format.js';
import { adoptOrphans, type JournalDir, removeJournal, segmentsIn } from './journal/journal-dirs.js';
import { SegmentDecoder, SegmentFile } from './journal/journal-reader.js';
import type { NewAuditRow } from './record.js';
import { CursorMovedError, type AuditSink } from './sink/types.js';

export type ShipperEvent =
  | { type: 'shipped'; journal: string; rows: number; to: JournalPosition }
  | { type: 'failed'; error: unknown; attempt: number }
  | { type: 'recovered'; afterAttempts: number }
  | { type: 'adopted'; journal: string }
  | { type: 'finished'; journal: string }
  | { type: 'torn'; journal: string; segment: number; offset: number };

export interface ShipperOptions {
  sink: AuditSink;
  /** the directory holding the journals */
  root: string;
  /** this process's live journal and where its writer publishes its end (null: nothing of its own; orphans are then left) */
  own: { id: string; published: BigInt64Array } | null;
  /** rows per transaction, at least (whole blocks are taken; default 5 000) */
  batchRows?: number;
  /** how often an idle shipper looks for new blocks (default 20 ms) */
  pollMs?: number;
  /** how often the live segment is fsynced when it grew (default 1 000 ms) */
  syncMs?: number;
  /** a journal whose owner is gone, or has not renewed its owner file for this long, is an orphan (default 600 000 ms) */
  orphanAfterMs?: number;
  /** how often orphans are looked for (default 30 000 ms) */
  orphanScanMs?: number;
  /** the longest wait between attempts while the database is away (default 2 000 ms; the first retry after 50 ms) */
  maxBackoffMs?: number;
  onEvent?: (event: ShipperEvent) => void;
}

interface Journal {
  dir: JournalDir;
  /** null until read from the database */
  pos: JournalPosition | null;
  file: SegmentFile | null;
  decoder: SegmentDecoder | null;
  /** the segment and offset the decoder has read to */
  decoded: JournalPosition | null;
  /** the writer is gone: read each segment to its end */
  dead: boolean;
}

export interface ShipperStatus {
  /** the live journal's shipped position and its writer's published end */
  shipped: JournalPosition | null;
  published: JournalPosition | null;
  /** journal bytes of this process not yet in the database (the backlog; grows while the database is away) */
  pendingBytes: number;
  /** consecutive failed attempts (0: the database took the last batch) */
  failing: number;
  lastError: string | null;
  orphans: number;
}

export class JournalShipper {
  private readonly journals: Journal[] = [];
  private own: Journal | null = null;
  private stopping = false;
  private failing = 0;
  private lastError: string | null = null;
  private lastSyncMs = 0;
  private lastOrphanScanMs = 0;
  private syncedEnd: JournalPosition | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly options: ShipperOptions) {
    if (options.own !== null) {
      this.own = {
        dir: { id: options.own.id, path: join(options.root, options.own.id) },
        pos: null,
        file: null,
        decoder: null,
        decoded: null,
        dead: false,
      };
      this.journals.push(this.own);
    }
  }

  status(): ShipperStatus {
    return {
      shipped: this.own?.pos ?? null,
      published: this.published(),
      pendingBytes: this.pendingBytes(),
      failing: this.failing,
      lastError: this.lastError,
      orphans: this.journals.filter((j) => j !== this.own).length,
    };
  }

  /** ships until `stop`; never throws (failures are retried with backoff and reported as events) */
  async run(): Promise<void> {
    while (!this.stopping) {
      const moved = await this.step();
      if (!moved && !this.stopping) await this.idle(this.failing > 0 ? this.backoffMs() : (this.options.pollMs ?? 20));
    }
  }

  /** stops the loop after the step in hand */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  /** lets `run` loop again after a `stop` */
  resume(): void {
    this.stopping = false;
  }

  /**
   * Ships until the live journal is shipped up to `target` (default: the writer's end now) and no orphan is left, or until
   * `timeoutMs` passes; true when it got there. For close, tests and the CLI.
   */
  async drain(timeoutMs: number, target: JournalPosition | null = this.published()): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.scanOrphans(true);
    for (;;) {
      const orphansDone = this.journals.length === (this.own === null ? 0 : 1);
      const ownDone = this.own === null || target === null || (this.own.pos !== null && comparePositions(this.own.pos, target) >= 0);
      if (ownDone && orphansDone) return true;
      if (Date.now() >= deadline) return false;
      const moved = await this.step();
      if (!moved) await sleep(Math.min(this.failing > 0 ? this.backoffMs() : 5, Math.max(0, deadline - Date.now())));
    }
  }

  /** closes the files it holds */
  close(): void {
    for (const j of this.journals) this.closeFile(j);
  }

  /** one pass over the journals; true when any moved */
  async step(): Promise<boolean> {
    this.scanOrphans(false);
    this.syncLive();
    let moved = false;
    for (const j of [...this.journals]) {
      try {
        if (await this.shipSome(j)) moved = true;
        if (this.failing > 0) this.options.onEvent?.({ type: 'recovered', afterAttempts: this.failing });
        this.failing = 0;
        this.lastError = null;
      } catch (error) {
        this.failing += 1;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.options.onEvent?.({ type: 'failed', error, attempt: this.failing });
        if (error instanceof CursorMovedError) j.pos = error.stored ?? { segment: 1, offset: 0 };
        else if (!(error instanceof AuditError) || error.kind !== 'unavailable') j.pos = null; // read the cursor again
        return moved;
      }
    }
    return moved;
  }

  private pendingBytes(): number {
    const end = this.published();
    const pos = this.own?.pos;
    if (this.own === null || end === null || pos === null || pos === undefined) return 0;
    if (pos.segment === end.segment) return Math.max(0, end.offset - pos.offset);
    let bytes = end.offset - pos.offset;
    for (let s = pos.segment; s < end.segment; s++) {
      try {
        bytes += statSync(join(this.own.dir.path, segmentName(s))).size;
      } catch {
        // deleted meanwhile: shipped
      }
    }
    return Math.max(0, bytes);
  }

  private published(): JournalPosition | null {
    return this.options.own === null ? null : unpackPosition(Atomics.load(this.options.own.published, 0));
  }

  /** reads whole blocks from the journal's cursor and ships them; true when the cursor moved */
  private async shipSome(j: Journal): Promise<boolean> {
    const { sink } = this.options;
    j.pos ??= (await sink.cursor(j.dir.id)) ?? { segment: 1, offset: 0 };
    const end = j.dead ? null : this.published();
    const batchRows = this.options.batchRows ?? 5_000;
    const rows: NewAuditRow[] = [];
    const push = (row: NewAuditRow): void => {
      rows.push(row);
    };
    let to: JournalPosition = j.pos;
    for (;;) {
      if (end !== null && comparePositions(to, end) >= 0) break;
      const file = this.fileFor(j, to);
      if (file === null) {
        // the segment is not there: a dead writer's journal ends here (or the journal never got this far)
        if (j.dead) return this.finishIfDone(j, to, rows);
        break;
      }
      const limit = end !== null && to.segment === end.segment ? end.offset : file.size();
      // the decoder first: making one reads the segment's earlier blocks through the file's one buffer, which holds the block below
      const decoder = this.decoderFor(j, to);
      const block = file.blockAt(to.offset, limit);
      if (block === 'end' || block === 'torn') {
        if (block === 'torn') this.options.onEvent?.({ type: 'torn', journal: j.dir.id, segment: to.segment, offset: to.offset });
        const hasNext = end !== null ? to.segment < end.segment : existsSync(join(j.dir.path, segmentName(to.segment + 1)));
        if (block === 'end' && end !== null && to.segment === end.segment) break;
        if (!hasNext) {
          if (j.dead) return this.finishIfDone(j, to, rows);
          break;
        }
        to = { segment: to.segment + 1, offset: 0 };
        continue;
      }
      decoder.decode(block.payload, true, push);
      to = { segment: to.segment, offset: block.end };
      j.decoded = to;
      if (rows.length >= batchRows) break;
    }
    if (comparePositions(to, j.pos) === 0) return false;
    await sink.write(rows, j.dir.id, j.pos, to);
    const from = j.pos;
    j.pos = to;
    this.options.onEvent?.({ type: 'shipped', journal: j.dir.id, rows: rows.length, to });
    for (let s = from.segment; s < to.segment; s++) this.deleteSegment(j, s);
    return true;
  }

  /** a dead writer's journal read to its end: ship what is in hand, then remove the journal and its cursor */
  private async finishIfDone(j: Journal, to: JournalPosition, rows: NewAuditRow[]): Promise<boolean> {
    const from = j.pos as JournalPosition;
    if (comparePositions(to, from) !== 0 || rows.length > 0) await this.options.sink.write(rows, j.dir.id, from, to);
    this.closeFile(j);
    removeJournal(j.dir.path);
    await this.options.sink.forgetJournal(j.dir.id);
    this.journals.splice(this.journals.indexOf(j), 1);
    this.options.onEvent?.({ type: 'finished', journal: j.dir.id });
    return true;
  }

  private fileFor(j: Journal, at: JournalPosition): SegmentFile | null {
    const path = join(j.dir.path, segmentName(at.segment));
    if (j.file?.path === path) return j.file;
    this.closeFile(j);
    if (!existsSync(path)) return null;
    j.file = new SegmentFile(path);
    return j.file;
  }

  /** the decoder of `at`'s segment, having read its strings up to `at` */
  private decoderFor(j: Journal, at: JournalPosition): SegmentDecoder {
    if (j.decoder !== null && j.decoded !== null && j.decoded.segment === at.segment && j.decoded.offset === at.offset) return j.decoder;
    const decoder = new SegmentDecoder();
    const file = this.fileFor(j, at) as SegmentFile;
    let offset = 0;
    while (offset < at.offset) {
      const block = file.blockAt(offset, at.offset);
      if (typeof block === 'string') break;
      decoder.decode(block.payload, false, () => undefined);
      offset = block.end;
    }
    j.decoder = decoder;
    j.decoded = at;
    return decoder;
  }

  private deleteSegment(j: Journal, segment: number): void {
    if (j.file?.path === join(j.dir.path, segmentName(segment))) this.closeFile(j);
    try {
      unlinkSync(join(j.dir.path, segmentName(segment)));
    } catch {
      // already gone
    }
  }

  private closeFile(j: Journal): void {
    j.file?.close();
    j.file = null;
  }

  /** the live segment fsynced about once a second when it grew: what a power loss may take is bounded too */
  private syncLive(): void {
    if (this.own === null) return;
    const now = Date.now();
    if (now - this.lastSyncMs < (this.options.syncMs ?? 1_000)) return;
    this.lastSyncMs = now;
    const end = this.published();
    if (end === null || (this.syncedEnd !== null && comparePositions(end, this.syncedEnd) === 0)) return;
    const path = join(this.own.dir.path, segmentName(end.segment));
    if (!existsSync(path)) return;
    const file = new SegmentFile(path);
    try {
      file.sync();
      this.syncedEnd = end;
    } finally {
      file.close();
    }
  }

  private scanOrphans(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastOrphanScanMs < (this.options.orphanScanMs ?? 30_000)) return;
    this.lastOrphanScanMs = now;
    // adopting needs a live journal of our own to name the adopter by
    if (this.options.own === null) return;
    for (const dir of adoptOrphans(this.options.root, this.options.own.id, this.options.orphanAfterMs ?? 600_000, now)) {
      if (this.journals.some((j) => j.dir.path === dir.path)) continue;
      if (segmentsIn(dir.path).length === 0) {
        removeJournal(dir.path);
        continue;
      }
      this.journals.push({ dir, pos: null, file: null, decoder: null, decoded: null, dead: true });
      this.options.onEvent?.({ type: 'adopted', journal: dir.id });
    }
  }

  private backoffMs(): number {
    return Math.min(this.options.maxBackoffMs ?? 2_000, 50 * 2 ** Math.min(this.failing - 1, 10));
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
