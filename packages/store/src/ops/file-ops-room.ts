/**
 * OpsRoom of the embedded store, in `<dataDir>/ops/`: one append-only file of JSON lines per list and one for the day counters.
 * Every process sharing the data directory appends under one lock file (`ops.lock`, held for an append, never across one); a
 * file is compacted — rewritten atomically with only what it must keep — when it has grown to twice that. Readers keep what they
 * read and fold in only what was appended since; a compaction (a new file) makes them read it again. Without a data directory
 * the same lists and counters live in memory.
 */
import { appendFile, mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLockFile, writeFileAtomic } from '@jpki-validator/files';
import { writerLockOptions } from '../files/writer-lock.js';
import { dayExpired, jstDay } from './jst-day.js';
import { DAYS_KEPT, type OpsRoom, type OpsWrite } from './ops-room.js';

/** what a reader holds of one file: its lines (oldest first) and how far it has read */
interface HeldFile {
  ino: number;
  bytes: number;
  /** an incomplete last line (an append being written) waits for its end */
  tail: string;
  lines: string[];
}

const DAYS_FILE = 'days.jsonl';

/** one line for one file, and what the file keeps when it has grown (null: all of it) */
interface Append {
  file: string;
  line: string;
  compact: (lines: string[]) => string[] | null;
}

export class FileOpsRoom implements OpsRoom {
  private readonly dir: string | null;
  private readonly held = new Map<string, HeldFile>();
  private ready: Promise<void> | null = null;
  /** the day counters folded so far, and of which held lines (a re-read file is folded again) */
  private daysFold: { lines: string[]; count: number; folded: Map<string, Record<string, number>> } | null = null;
  /** writes waiting for the lock turn under way (appendQueued) */
  private readonly queued: { appends: readonly Append[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private appending = false;

  /** dataDir null: in memory only */
  constructor(dataDir: string | null) {
    this.dir = dataDir === null ? null : join(dataDir, 'ops');
  }

  push(list: string, line: string, cap: number): Promise<void> {
    return this.write({ lines: [{ list, line, cap }] });
  }

  addCounts(day: string, counts: Readonly<Record<string, number>>): Promise<void> {
    return this.write({ day: { day, counts } });
  }

  async write(batch: OpsWrite): Promise<void> {
    const appends: Append[] = (batch.lines ?? []).map(({ list, line, cap }) => ({
      file: listFile(list),
      line,
      compact: (lines) => (lines.length >= 2 * cap ? lines.slice(-cap) : null),
    }));
    if (batch.day) {
      const c = Object.fromEntries(Object.entries(batch.day.counts).filter(([, n]) => n !== 0));
      if (Object.keys(c).length > 0)
        appends.push({
          file: DAYS_FILE,
          line: JSON.stringify({ d: batch.day.day, c }),
          compact: (lines) => (lines.length >= 4 * DAYS_KEPT ? foldDays(lines, jstDay(Date.now())) : null),
        });
    }
    if (appends.length > 0) await this.append(appends);
  }

  async range(list: string, cap: number, offset: number, count: number): Promise<string[]> {
    const lines = await this.read(listFile(list));
    count = Math.min(count, cap - offset);
    const end = lines.length - offset;
    return end <= 0 || count <= 0 ? [] : lines.slice(Math.max(0, end - count), end).reverse();
  }

  async length(list: string, cap: number): Promise<number> {
    return Math.min(cap, (await this.read(listFile(list))).length);
  }

  async countsOf(days: readonly string[]): Promise<Record<string, number>[]> {
    const lines = await this.read(DAYS_FILE);
    // folded as read: a page asking again folds only the lines appended since
    if (this.daysFold === null || this.daysFold.lines !== lines || this.daysFold.count > lines.length)
      this.daysFold = { lines, count: 0, folded: new Map() };
    const fold = this.daysFold;
    for (; fold.count < lines.length; fold.count++) addDayLine(fold.folded, lines[fold.count] as string);
    return days.map((day) => ({ ...(fold.folded.get(day) ?? {}) }));
  }

  /**
   * Appends each line to its file under one lock; a file whose `compact` returns what to keep is rewritten with only that. The
   * writes of this process that arrive while a lock turn is under way wait for the next turn and share it: a refresh records
   * a load per partition from several lanes at once, and each taking the lock file in turn (retrying with backoff while
   * another lane held it) made recording the loads most of a national refresh's time.
   */
  private append(appends: readonly Append[]): Promise<void> {
    if (this.dir === null) {
      for (const { file, line, compact } of appends) {
        const held = this.memory(file);
        held.lines.push(line);
        const kept = compact(held.lines);
        if (kept !== null) held.lines = kept;
      }
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ appends, resolve, reject });
      if (!this.appending) void this.appendQueued(this.dir as string);
    });
  }

  /** lock turns until nothing waits; each turn writes what waited when it began, each file's lines in one append */
  private async appendQueued(dir: string): Promise<void> {
    this.appending = true;
    try {
      while (this.queued.length > 0) {
        const turn = this.queued.splice(0);
        try {
          await this.appendTurn(
            dir,
            turn.flatMap((t) => t.appends),
          );
          for (const t of turn) t.resolve();
        } catch (error) {
          for (const t of turn) t.reject(error);
        }
      }
    } finally {
      this.appending = false;
    }
  }

  private async appendTurn(dir: string, appends: readonly Append[]): Promise<void> {
    const byFile = new Map<string, { lines: string[]; compact: Append['compact'] }>();
    for (const { file, line, compact } of appends) {
      const f = byFile.get(file);
      if (f === undefined) byFile.set(file, { lines: [line], compact });
      else f.lines.push(line);
    }
    this.ready ??= mkdir(dir, { recursive: true }).then(() => undefined);
    await this.ready;
    const release = await acquireLockFile(join(dir, 'ops.lock'), writerLockOptions(10_000));
    try {
      for (const [file, { lines, compact }] of byFile) {
        await appendFile(join(dir, file), `${lines.join('\n')}\n`);
        const kept = compact(await this.read(file));
        if (kept !== null) {
          await writeFileAtomic(join(dir, file), kept.length === 0 ? '' : `${kept.join('\n')}\n`);
          this.held.delete(file);
        }
      }
    } finally {
      await release();
    }
  }

  private memory(file: string): HeldFile {
    let held = this.held.get(file);
    if (held === undefined) {
      held = { ino: 0, bytes: 0, tail: '', lines: [] };
      this.held.set(file, held);
    }
    return held;
  }

  /** the file's complete lines, oldest first (the array is the held one: callers copy before changing it) */
  private async read(file: string): Promise<string[]> {
    if (this.dir === null) return this.memory(file).lines;
    const path = join(this.dir, file);
    let info: { ino: number; size: number };
    try {
      info = await stat(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    let held = this.held.get(file);
    if (held === undefined || held.ino !== info.ino || info.size < held.bytes) {
      held = { ino: info.ino, bytes: 0, tail: '', lines: [] };
      this.held.set(file, held);
    }
    if (info.size > held.bytes) {
      const handle = await open(path, 'r');
      try {
        const buf = Buffer.alloc(info.size - held.bytes);
        const { bytesRead } = await handle.read(buf, 0, buf.length, held.bytes);
        held.bytes += bytesRead;
        const parts = (held.tail + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
        held.tail = parts.pop() ?? '';
        for (const part of parts) if (part !== '') held.lines.push(part);
      } finally {
        await handle.close();
      }
    }
    return held.lines;
  }
}

function listFile(list: string): string {
  return `list-${encodeURIComponent(list)}.jsonl`;
}

function addDayLine(folded: Map<string, Record<string, number>>, line: string): void {
  let parsed: { d?: unknown; c?: unknown };
  try {
    parsed = JSON.parse(line) as { d?: unknown; c?: unknown };
  } catch {
    return; // a line torn by something other than us: the counters it held are lost, the rest stands
  }
  if (typeof parsed.d !== 'string' || typeof parsed.c !== 'object' || parsed.c === null) return;
  const day = folded.get(parsed.d) ?? {};
  for (const [name, n] of Object.entries(parsed.c as Record<string, unknown>)) {
    if (typeof n === 'number') day[name] = (day[name] ?? 0) + n;
  }
  folded.set(parsed.d, day);
}

/** one line per day still kept */
function foldDays(lines: readonly string[], today: string): string[] {
  const folded = new Map<string, Record<string, number>>();
  for (const line of lines) addDayLine(folded, line);
  return [...folded]
    .filter(([day]) => !dayExpired(day, today, DAYS_KEPT))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([d, c]) => JSON.stringify({ d, c }));
}
