/**
 * The watch list over any journal backend (embedded files, Redis, a Redis Cluster, memory): imports, rotations, the event log —
 * and, through `write`, the pass (pass.ts) and its deliveries (delivery.ts). Every change is one journal transaction or one
 * checkpoint swap, so a crash at any point leaves the list as it was before the change or as it is after it.
 *
 * In a process the state is kept in memory and brought up to date before each use: a new checkpoint (another process imported
 * a large list) is loaded, otherwise only the journal lines appended since are replayed.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { formatSerial } from '@jpki-validator/x509';
import { crashPoint } from './crash-point.js';
import { WatchError } from './errors.js';
import type { IssuerResolver } from './issuers.js';
import type { JournalBackend } from './journal/backend.js';
import { eventJsonOf, readEventLine, type BeginRecord, type DeliveryRecord, type RowRecord } from './journal/records.js';
import { JournalReplay } from './journal/replay.js';
import { decodeCheckpoint, encodeCheckpoint } from './list/checkpoint-codec.js';
import { ImportSession, type ImportCounts } from './list/import-session.js';
import type { CertificateKind, IssuerTableEntry } from './list/issuer-table.js';
import { WatchState, type PendingPass } from './list/watch-state.js';
import { matchesFilter } from './event-filter.js';
import type { EventFilter, WatchEvent } from './types.js';

export interface WatchRepositoryOptions {
  /**
   * Journal lines a reopen may replay before a checkpoint is written (default 100 000, or a sixteenth of the rows when more);
   * an import changing more rows than that writes a checkpoint instead of journal lines.
   */
  checkpointLines?: number;
}

export interface ImportReport extends ImportCounts {
  /** rows the list holds after the import */
  total: number;
  /** rows by the kind of certificate their issuer issues */
  kinds: Record<CertificateKind, number>;
  /** how the change was stored */
  stored: 'journal' | 'checkpoint' | 'nothing';
}

/** one watched certificate of a customer */
export interface WatchRow {
  row: number;
  customerId: string;
  issuer: string;
  group: string;
  caIds: readonly string[];
  kind: CertificateKind;
  serial: bigint;
  /** null when unknown */
  notAfterMs: number | null;
}

export interface RotateOptions {
  customerId: string;
  serial: bigint;
  /** the new certificate's issuer when it changed (a new CA generation); it also picks which of the customer's certificates */
  issuer?: IssuerTableEntry;
  /** the new certificate's notAfter when known */
  notAfterMs?: number | null;
}

export interface RotateReport {
  current: WatchRow;
  previous: WatchRow;
}

/** what a pass (or a delivery round) may do while it holds the lock */
export interface WatchWriter {
  readonly state: WatchState;
  readonly host: string;
  /** begins a transaction; its body follows with `appendBody`, then `commit` */
  begin(record: BeginRecord): Promise<number>;
  appendBody(lines: readonly string[]): Promise<void>;
  /** makes the open transaction count; returns its end position */
  commit(id: string, lines: number): Promise<number>;
  /** records one delivery step (durable) and applies it */
  delivery(record: Omit<DeliveryRecord, 't' | 'host'>): Promise<void>;
  /** the event JSON texts of a recorded pass, in order */
  passEvents(pass: PendingPass): AsyncIterable<string>;
  /** writes a checkpoint when a reopen would replay too much */
  maybeCheckpoint(): Promise<void>;
}

const newId = (): string => `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

export class WatchRepository {
  readonly backend: JournalBackend;
  private readonly checkpointLines: number;
  private state: WatchState | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(backend: JournalBackend, options: WatchRepositoryOptions = {}) {
    this.backend = backend;
    this.checkpointLines = options.checkpointLines ?? 100_000;
  }

  /** in this process one operation at a time: a reload must not swap the state under a running pass */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** the state, current as of now */
  private async sync(): Promise<WatchState> {
    const manifest = await this.backend.readManifest();
    const checkpoint = manifest?.checkpoint ?? null;
    let state = this.state;
    if (state === null && checkpoint === null) {
      const old = await this.backend.earlierLayout();
      if (old !== null)
        throw new WatchError(
          'WATCH_STATE_CORRUPT',
          `${old} holds a watch list in the earlier layout, which this version does not read: import the list again ` +
            '(`watch import FILE`) into an empty watch directory or key prefix',
        );
    }
    if (state === null || state.checkpoint !== checkpoint) {
      state = checkpoint === null ? new WatchState() : decodeCheckpoint(checkpoint, await this.backend.readCheckpoint(checkpoint)).state;
      this.state = state;
    }
    const end = await this.backend.journalEnd();
    if (end < state.applied) {
      // the journal lost lines this process had applied: the backend lost data (e.g. a Redis without persistence restarted)
      this.state = null;
      throw new WatchError(
        'WATCH_STATE_CORRUPT',
        `the watch journal ends at ${end}, before ${state.applied} already applied: data was lost`,
      );
    }
    if (end > state.applied) {
      const replay = new JournalReplay(state);
      for await (const line of this.backend.readJournal(state.applied, end)) replay.line(line);
    }
    return state;
  }

  /** runs `task` under the writer lock on the current state; a task that fails leaves nothing behind (the state is reloaded) */
  write<T>(task: (writer: WatchWriter) => Promise<T>): Promise<T> {
    return this.serial(() =>
      this.backend.withLock(async () => {
        try {
          const state = await this.sync();
          // an uncommitted tail (a writer killed mid-transaction) is dropped before anything is appended after it
          if ((await this.backend.journalEnd()) > state.applied) await this.backend.truncateJournal(state.applied);
          return await task(this.writer(state));
        } catch (e) {
          this.state = null;
          throw e;
        }
      }),
    );
  }

  private writer(state: WatchState): WatchWriter {
    const backend = this.backend;
    const host = hostname();
    let open: { id: string; begin: number } | null = null;
    return {
      state,
      host,
      begin: async (record) => {
        const begin = state.applied;
        await backend.appendJournal([JSON.stringify(record)], false);
        open = { id: record.id, begin };
        return begin;
      },
      appendBody: async (lines) => {
        if (lines.length > 0) await backend.appendJournal(lines, false);
      },
      commit: async (id, lines) => {
        if (open?.id !== id) throw new TypeError(`commit of ${id}, which is not the open transaction`);
        crashPoint('journal.before-commit');
        const end = await backend.appendJournal([JSON.stringify({ t: 'commit', id, n: lines })], true);
        open = null;
        // the writer applied the transaction's effects itself; replaying them would apply them twice
        state.applied = end;
        state.tailLines += lines + 2;
        return end;
      },
      delivery: async (record) => {
        const line: DeliveryRecord = { t: 'delivery', ...record, host };
        state.applied = await backend.appendJournal([JSON.stringify(line)], true);
        state.tailLines++;
        const pass = state.pending.get(record.run);
        if (pass === undefined) return;
        if (record.state === 'done') pass.sinks.delete(record.sink);
        else pass.sinks.set(record.sink, { state: 'staged', host });
        if (pass.sinks.size === 0) state.pending.delete(record.run);
      },
      passEvents: (pass) => this.passEvents(pass),
      maybeCheckpoint: async () => {
        if (state.tailLines > Math.max(this.checkpointLines, state.columns.rows / 16)) await this.checkpoint(state);
      },
    };
  }

  private async checkpoint(state: WatchState): Promise<void> {
    const id = newId();
    await this.backend.writeCheckpoint(id, encodeCheckpoint(state, state.applied));
    crashPoint('checkpoint.written');
    await this.backend.writeManifest({ version: 1, checkpoint: id, journalPosition: state.applied });
    state.checkpoint = id;
    state.tailLines = 0;
    crashPoint('checkpoint.current');
    await this.backend.deleteCheckpointsExcept(id);
  }

  private async *passEvents(pass: PendingPass): AsyncIterable<string> {
    const ev = { row: 0, bits: 0, eventStart: 0 };
    for await (const line of this.backend.readJournal(pass.begin, pass.end)) {
      if (readEventLine(line.text, ev)) yield eventJsonOf(line.text, ev.eventStart);
    }
  }

  /**
   * Imports rows (whatever `feed` pushes into the session) as one change: all of them, or — when `feed` or a row throws —
   * none. `expectedRows` sizes the columns up front (an estimate from the file size saves the doubling copies).
   */
  importRows(
    resolve: IssuerResolver,
    feed: (session: ImportSession) => Promise<void>,
    options: { expectedRows?: number } = {},
  ): Promise<ImportReport> {
    return this.write(async (w) => {
      const session = new ImportSession(w.state, resolve, options.expectedRows ?? 0);
      await feed(session);
      crashPoint('import.parsed');
      const stored = await this.commitSession(w, session);
      crashPoint('import.committed');
      return { ...session.counts, total: w.state.columns.rows, kinds: kindsOf(w.state), stored };
    });
  }

  private async commitSession(w: WatchWriter, session: ImportSession): Promise<ImportReport['stored']> {
    const { state } = w;
    const c = state.columns;
    const appended = c.rows - session.baseRows;
    const changes = appended + session.changed.size;
    if (changes === 0 && session.dictChanged.size === 0) return 'nothing';
    if (changes > Math.max(this.checkpointLines, c.rows / 16)) {
      await this.checkpoint(state);
      return 'checkpoint';
    }
    const id = newId();
    const lines: string[] = [];
    for (const i of session.dictChanged) {
      const e = state.issuers.get(i);
      lines.push(JSON.stringify({ t: 'dict', i, issuer: e.issuer, group: e.group, caIds: e.caIds, kind: e.kind }));
    }
    for (const [row, was] of session.changed) {
      const serial = formatSerial(c.serialOf(row));
      const record: RowRecord = {
        t: 'row',
        r: row,
        i: c.issuer[row] as number,
        s: serial,
        a: timeOrNull(c.notAfterMs[row] as number),
        was,
      };
      if (was.s !== serial) record.m = 0;
      lines.push(JSON.stringify(record));
    }
    for (let row = session.baseRows; row < c.rows; row++) {
      const record: RowRecord = {
        t: 'row',
        r: row,
        k: c.keyOf(row),
        i: c.issuer[row] as number,
        s: formatSerial(c.serialOf(row)),
        a: timeOrNull(c.notAfterMs[row] as number),
      };
      lines.push(JSON.stringify(record));
    }
    await w.begin({ t: 'begin', id, kind: 'rows' });
    await w.appendBody(lines);
    await w.commit(id, lines.length);
    await w.maybeCheckpoint();
    return 'journal';
  }

  /** `watch rotate`: the customer's certificate was reissued; the row watches the new serial from now on */
  rotate(options: RotateOptions): Promise<RotateReport> {
    return this.write(async (w) => {
      const { state } = w;
      const rows = rowsOf(state, options.customerId);
      const group = options.issuer?.group;
      const candidates = group === undefined ? rows : rows.filter((r) => r.group === group);
      const old = candidates[0];
      if (old === undefined)
        throw new WatchError(
          'WATCH_CUSTOMER_UNKNOWN',
          `customer ${JSON.stringify(options.customerId)} is not on the watch list${group === undefined ? '' : ` with a ${group} certificate`}`,
        );
      if (candidates.length > 1)
        throw new WatchError(
          'WATCH_ROTATE_AMBIGUOUS',
          `customer ${JSON.stringify(options.customerId)} has ${candidates.length} certificates (${candidates.map((r) => r.group).join(', ')}): ` +
            'name the issuer of the one reissued',
        );
      const resolve: IssuerResolver = () => options.issuer ?? state.issuers.get(state.columns.issuer[old.row] as number);
      const session = new ImportSession(state, resolve);
      const issuer = session.issuerIndex(options.issuer?.issuer ?? old.issuer, 1);
      const key = Buffer.from(options.customerId, 'utf8');
      session.put(key, 0, key.length, issuer, options.serial, options.notAfterMs ?? Number.NaN, 1);
      await this.commitSession(w, session);
      return { current: rowView(state, old.row), previous: old };
    });
  }

  /** a customer's watched certificates */
  customer(customerId: string): Promise<WatchRow[]> {
    return this.serial(async () => rowsOf(await this.sync(), customerId));
  }

  summary(): Promise<{ rows: number; kinds: Record<CertificateKind, number>; pendingDeliveries: number }> {
    return this.serial(async () => {
      const state = await this.sync();
      return { rows: state.columns.rows, kinds: kindsOf(state), pendingDeliveries: state.pending.size };
    });
  }

  /** the event log, oldest first (`runId`: one pass's events) */
  async *events(filter: EventFilter & { runId?: string } = {}): AsyncIterable<WatchEvent> {
    const to = await this.serial(async () => (await this.sync()).applied);
    const ev = { row: 0, bits: 0, eventStart: 0 };
    let wanted = false;
    for await (const line of this.backend.readJournal(0, to)) {
      if (readEventLine(line.text, ev)) {
        if (!wanted) continue;
        const e = JSON.parse(eventJsonOf(line.text, ev.eventStart)) as WatchEvent;
        if (matchesFilter(e, filter)) yield e;
        continue;
      }
      if (!line.text.startsWith('{"t":"begin"')) continue;
      const begin = JSON.parse(line.text) as BeginRecord;
      wanted =
        begin.kind === 'pass' &&
        (filter.runId === undefined || begin.id === filter.runId) &&
        // a pass detected everything at one time: a whole pass before `since` is skipped unread
        (filter.sinceMs === undefined || Date.parse(begin.detectedAt ?? '') >= filter.sinceMs);
    }
  }

  async close(): Promise<void> {
    await this.queue;
    await this.backend.close();
  }
}

function timeOrNull(ms: number): number | null {
  return Number.isNaN(ms) ? null : ms;
}

function rowView(state: WatchState, row: number): WatchRow {
  const c = state.columns;
  const e = state.issuers.get(c.issuer[row] as number);
  return {
    row,
    customerId: c.keyOf(row),
    issuer: e.issuer,
    group: e.group,
    caIds: e.caIds,
    kind: e.kind,
    serial: c.serialOf(row),
    notAfterMs: timeOrNull(c.notAfterMs[row] as number),
  };
}

function rowsOf(state: WatchState, customerId: string): WatchRow[] {
  const key = Buffer.from(customerId, 'utf8');
  const out: WatchRow[] = [];
  for (let row = 0; row < state.columns.rows; row++) if (state.columns.keyEquals(row, key, 0, key.length)) out.push(rowView(state, row));
  return out;
}

function kindsOf(state: WatchState): Record<CertificateKind, number> {
  const perIssuer = new Float64Array(state.issuers.entries.length);
  const issuer = state.columns.issuer;
  for (let row = 0; row < state.columns.rows; row++) {
    const i = issuer[row] as number;
    perIssuer[i] = (perIssuer[i] as number) + 1;
  }
  const kinds: Record<CertificateKind, number> = { sign: 0, auth: 0, other: 0 };
  state.issuers.entries.forEach((e, i) => {
    kinds[e.kind] += perIssuer[i] as number;
  });
  return kinds;
}
