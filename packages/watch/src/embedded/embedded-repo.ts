/**
 * The watch list without Redis: in memory, and with a directory, durable as two append-only journals —
 * `customers.jsonl` (every upsert appends the new record; the last line per customer wins) and `events.jsonl` (the event log).
 * What was reported (per CA and reason bitmaps) and what expiries are pending are derived from the two at open, so there is no
 * third file to keep consistent. Another process's appends are noticed by file size at the next lock and reloaded.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLockFile } from '@jpki-validator/files';
import { formatSerial, reasonCode, type CrlReason } from '@jpki-validator/x509';
import { ChunkedBitmap } from '../chunked-bitmap.js';
import { WatchError } from '../errors.js';
import { expiryCaId, watchEventId } from '../event-id.js';
import { matchesFilter } from '../event-filter.js';
import type { EventFilter, ReportMark, UpsertReport, WatchEntryInput, WatchEvent, WatchRecord, WatchRepository } from '../types.js';
import { parseHexSerial, planUpsert, recordFromJson, recordToJson } from '../watch-list.js';
import { appendLines, readLines, sizeOf } from './journal.js';
import { OwnerIndex } from './owner-index.js';

export interface EmbeddedWatchOptions {
  /** where the journals live (e.g. `<dataDir>/watch`); absent: memory only */
  dir?: string;
  /** must equal the store's (default 20) */
  chunkBits?: number;
  lockTimeoutMs?: number;
}

interface CaState {
  watched: ChunkedBitmap;
  owners: OwnerIndex;
  reported: Map<number, ChunkedBitmap>;
}

export class EmbeddedWatchRepository implements WatchRepository {
  readonly chunkBits: number;
  private readonly dir: string | null;
  private readonly options: EmbeddedWatchOptions;
  private records = new Map<string, WatchRecord>();
  private cas = new Map<string, CaState>();
  private pendingExpiry = new Map<string, number>();
  private eventIds = new Set<string>();
  /** the event log when memory only */
  private memoryEvents: WatchEvent[] = [];
  private knownSizes = { customers: 0, events: 0 };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: EmbeddedWatchOptions = {}) {
    this.options = options;
    this.dir = options.dir ?? null;
    this.chunkBits = options.chunkBits ?? 20;
  }

  private get customersPath(): string {
    return join(this.dir ?? '', 'customers.jsonl');
  }

  private get eventsPath(): string {
    return join(this.dir ?? '', 'events.jsonl');
  }

  async open(): Promise<this> {
    if (this.dir !== null) {
      await mkdir(this.dir, { recursive: true });
      await this.reload();
    }
    return this;
  }

  withLock<T>(task: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const release =
        this.dir === null
          ? null
          : await acquireLockFile(join(this.dir, 'writer.lock'), {
              timeoutMs: this.options.lockTimeoutMs ?? 30_000,
              timeoutError: (path, ms) => new WatchError('WATCH_LOCK_TIMEOUT', `could not take the watch lock ${path} within ${ms} ms`),
            });
      try {
        if (this.dir !== null && (await this.changedOnDisk())) await this.reload();
        return await task();
      } finally {
        await release?.();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async upsert(entries: readonly WatchEntryInput[], nowMs: number): Promise<UpsertReport> {
    const report = { added: 0, updated: 0, unchanged: 0 };
    const lines: string[] = [];
    for (const entry of entries) {
      const plan = planUpsert(this.records.get(entry.customerId) ?? null, entry, nowMs);
      report[plan.outcome]++;
      if (plan.outcome === 'unchanged') continue;
      this.apply(plan.record, plan.stop, plan.start);
      lines.push(recordToJson(plan.record));
    }
    if (this.dir !== null) this.knownSizes.customers = await appendLines(this.customersPath, lines);
    return report;
  }

  async get(customerId: string): Promise<WatchRecord | null> {
    return this.records.get(customerId) ?? null;
  }

  async caIds(): Promise<string[]> {
    return [...this.cas.keys()].sort();
  }

  async watched(caId: string): Promise<ChunkedBitmap> {
    return this.cas.get(caId)?.watched ?? new ChunkedBitmap(this.chunkBits);
  }

  async reported(caId: string, reasonCode: number): Promise<ChunkedBitmap> {
    return this.cas.get(caId)?.reported.get(reasonCode) ?? new ChunkedBitmap(this.chunkBits);
  }

  /** none: a new watcher clears the serial's reported bits directly (cheap in memory) */
  async fresh(): Promise<ChunkedBitmap | null> {
    return null;
  }

  async owners(caId: string, serials: readonly bigint[]): Promise<Map<bigint, WatchRecord[]>> {
    const ca = this.cas.get(caId);
    const out = new Map<bigint, WatchRecord[]>();
    if (ca === undefined) return out;
    for (const serial of serials) {
      const records = ca.owners.get(serial).flatMap((id) => this.records.get(id) ?? []);
      if (records.length) out.set(serial, records);
    }
    return out;
  }

  async dueExpiries(nowMs: number): Promise<WatchRecord[]> {
    const due: WatchRecord[] = [];
    for (const [customerId, notAfterMs] of this.pendingExpiry) {
      const record = this.records.get(customerId);
      if (notAfterMs <= nowMs && record !== undefined) due.push(record);
    }
    return due;
  }

  async knownEventIds(ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.eventIds.has(id)));
  }

  async record(events: readonly WatchEvent[], marks: readonly ReportMark[]): Promise<void> {
    const fresh = events.filter((e) => !this.eventIds.has(e.eventId));
    // the log first: the marks below only speed up later passes; the ids in the log are what prevents a repeat
    if (this.dir !== null)
      this.knownSizes.events = await appendLines(
        this.eventsPath,
        fresh.map((e) => JSON.stringify(e)),
      );
    // a loop, not push(...fresh): a first pass over a big list can record more events than a call's argument limit
    else for (const e of fresh) this.memoryEvents.push(e);
    for (const e of fresh) this.eventIds.add(e.eventId);
    for (const mark of marks) {
      if (mark.kind === 'expired') this.pendingExpiry.delete(mark.customerId);
      else this.markReported(mark.caId, mark.serial, mark.reasonCode);
    }
  }

  async *events(filter: EventFilter = {}): AsyncIterable<WatchEvent> {
    const source: AsyncIterable<WatchEvent> | Iterable<WatchEvent> =
      this.dir === null ? this.memoryEvents : parsed(readLines(this.eventsPath));
    for await (const e of source) if (matchesFilter(e, filter)) yield e;
  }

  async close(): Promise<void> {
    await this.queue;
  }

  private caState(caId: string): CaState {
    let st = this.cas.get(caId);
    if (st === undefined) {
      st = { watched: new ChunkedBitmap(this.chunkBits), owners: new OwnerIndex(), reported: new Map() };
      this.cas.set(caId, st);
    }
    return st;
  }

  private markReported(caId: string, serial: bigint, reasonCode: number): void {
    const st = this.caState(caId);
    let bits = st.reported.get(reasonCode);
    if (bits === undefined) {
      bits = new ChunkedBitmap(this.chunkBits);
      st.reported.set(reasonCode, bits);
    }
    bits.add(serial);
  }

  private apply(
    record: WatchRecord,
    stop: readonly { caId: string; serial: bigint }[],
    start: readonly { caId: string; serial: bigint }[],
  ): void {
    this.records.set(record.customerId, record);
    for (const t of stop) {
      const st = this.cas.get(t.caId);
      if (st !== undefined && st.owners.remove(t.serial, record.customerId) === 0) st.watched.delete(t.serial);
    }
    for (const t of start) {
      const st = this.caState(t.caId);
      st.owners.add(t.serial, record.customerId);
      st.watched.add(t.serial);
      // a new watcher has seen nothing yet: what was reported for this serial spoke for its other watchers only
      for (const bits of st.reported.values()) bits.delete(t.serial);
    }
    if (record.notAfterMs !== null && !this.eventIds.has(expiredEventIdOf(record)))
      this.pendingExpiry.set(record.customerId, record.notAfterMs);
    else this.pendingExpiry.delete(record.customerId);
  }

  private async changedOnDisk(): Promise<boolean> {
    return (await sizeOf(this.customersPath)) !== this.knownSizes.customers || (await sizeOf(this.eventsPath)) !== this.knownSizes.events;
  }

  /** rebuilds everything from the two journals */
  private async reload(): Promise<void> {
    this.records = new Map();
    this.cas = new Map();
    this.pendingExpiry = new Map();
    this.eventIds = new Set();
    // events first, so apply() knows which expiries were reported
    const reportedBy = new Map<string, { caId: string; serial: bigint; code: number; customers: Set<string> }>();
    for await (const e of parsed(readLines(this.eventsPath))) {
      this.eventIds.add(e.eventId);
      if (e.type !== 'revoked' || e.caId === null || e.reason === null) continue;
      const key = `${e.caId}|${e.serial}|${e.reason}`;
      const g = reportedBy.get(key) ?? {
        caId: e.caId,
        serial: parseHexSerial(e.serial),
        code: reasonCodeOf(e.reason),
        customers: new Set<string>(),
      };
      g.customers.add(e.customerId);
      reportedBy.set(key, g);
    }
    const latest = new Map<string, WatchRecord>();
    for await (const line of readLines(this.customersPath)) {
      const r = recordFromJson(line);
      latest.set(r.customerId, r);
    }
    for (const r of latest.values())
      this.apply(
        r,
        [],
        r.caIds.map((caId) => ({ caId, serial: r.serial })),
      );
    // a (CA, serial, reason) counts as reported only when every current watcher of the serial has its event
    for (const g of reportedBy.values()) {
      const owners = this.cas.get(g.caId)?.owners.get(g.serial) ?? [];
      if (owners.length > 0 && owners.every((c) => g.customers.has(c))) this.markReported(g.caId, g.serial, g.code);
    }
    this.knownSizes = { customers: await sizeOf(this.customersPath), events: await sizeOf(this.eventsPath) };
  }
}

function expiredEventIdOf(r: WatchRecord): string {
  return watchEventId(r.customerId, expiryCaId(r.caIds), formatSerial(r.serial), 'expired', null);
}

async function* parsed(lines: AsyncIterable<string>): AsyncGenerator<WatchEvent> {
  for await (const line of lines) yield JSON.parse(line) as WatchEvent;
}

function reasonCodeOf(name: string): number {
  return Math.max(0, reasonCode(name as CrlReason));
}

export async function openEmbeddedWatch(options: EmbeddedWatchOptions = {}): Promise<EmbeddedWatchRepository> {
  return new EmbeddedWatchRepository(options).open();
}
