/**
 * Applies journal lines to a watch state, one transaction at a time: a transaction's lines are held until its commit line (same
 * id) arrives, then applied together; a transaction that never commits (a writer killed mid-way) is never applied, and the
 * state's `applied` position stays before its begin line, where the next replay starts again.
 */
import { WatchError } from '../errors.js';
import { parseHexSerial } from '../serial-text.js';
import type { WatchState } from '../list/watch-state.js';
import type { JournalLine } from './backend.js';
import {
  isEventLine,
  readEventLine,
  type BeginRecord,
  type DeliveryRecord,
  type DictRecord,
  type JournalRecord,
  type RowRecord,
} from './records.js';

interface OpenTx {
  begin: BeginRecord;
  position: number;
  lines: number;
  dicts: DictRecord[];
  rows: RowRecord[];
  markRows: number[];
  markBits: number[];
}

export class JournalReplay {
  private readonly state: WatchState;
  private tx: OpenTx | null = null;
  private readonly ev = { row: 0, bits: 0, eventStart: 0 };

  constructor(state: WatchState) {
    this.state = state;
  }

  line(line: JournalLine): void {
    if (isEventLine(line.text)) {
      if (this.tx === null || !readEventLine(line.text, this.ev)) return; // a stray event line of a dropped transaction
      this.tx.markRows.push(this.ev.row);
      this.tx.markBits.push(this.ev.bits);
      this.tx.lines++;
      return;
    }
    let record: JournalRecord;
    try {
      record = JSON.parse(line.text) as JournalRecord;
    } catch (e) {
      throw new WatchError('WATCH_STATE_CORRUPT', `journal line at position ${line.position} is not JSON`, { cause: e });
    }
    switch (record.t) {
      case 'begin':
        this.tx = { begin: record, position: line.position, lines: 0, dicts: [], rows: [], markRows: [], markBits: [] };
        return;
      case 'dict':
        this.tx?.dicts.push(record);
        if (this.tx) this.tx.lines++;
        return;
      case 'row':
        this.tx?.rows.push(record);
        if (this.tx) this.tx.lines++;
        return;
      case 'commit': {
        const tx = this.tx;
        this.tx = null;
        if (tx === null || tx.begin.id !== record.id) return; // the commit of a transaction whose start was dropped
        if (tx.lines !== record.n)
          throw new WatchError('WATCH_STATE_CORRUPT', `journal transaction ${record.id}: ${tx.lines} lines, its commit says ${record.n}`);
        this.apply(tx, line.next);
        return;
      }
      case 'delivery':
        this.delivery(record);
        this.advance(line.next);
        return;
      default:
        throw new WatchError('WATCH_STATE_CORRUPT', `journal line at position ${line.position}: unknown type`);
    }
  }

  private advance(next: number): void {
    // a delivery line written between a transaction's lines cannot happen (one writer); when idle, the position moves on
    if (this.tx === null) this.state.applied = next;
    this.state.tailLines++;
  }

  private apply(tx: OpenTx, next: number): void {
    const { state } = this;
    const c = state.columns;
    for (const d of tx.dicts) {
      const index = state.issuers.put({ issuer: d.issuer, group: d.group, caIds: d.caIds, kind: d.kind });
      if (index !== d.i)
        throw new WatchError('WATCH_STATE_CORRUPT', `journal transaction ${tx.begin.id}: issuer ${d.i} landed at ${index}`);
    }
    for (const r of tx.rows) {
      const serial = parseHexSerial(r.s);
      const notAfterMs = r.a ?? Number.NaN;
      if (r.k !== undefined) {
        if (r.r !== c.rows)
          throw new WatchError('WATCH_STATE_CORRUPT', `journal transaction ${tx.begin.id}: new row ${r.r}, expected ${c.rows}`);
        const key = Buffer.from(r.k, 'utf8');
        c.append(key, 0, key.length, r.i, serial, notAfterMs, r.m ?? 0);
      } else {
        if (r.r >= c.rows) throw new WatchError('WATCH_STATE_CORRUPT', `journal transaction ${tx.begin.id}: row ${r.r} does not exist`);
        c.set(r.r, r.i, serial, notAfterMs, r.m ?? (c.mask[r.r] as number));
      }
    }
    for (let k = 0; k < tx.markRows.length; k++) {
      const row = tx.markRows[k] as number;
      if (row < c.rows) c.mask[row] = (c.mask[row] as number) | (tx.markBits[k] as number);
    }
    if (tx.begin.kind === 'pass' && (tx.begin.sinks?.length ?? 0) > 0) {
      const sinks = new Map((tx.begin.sinks ?? []).map((key) => [key, { state: 'pending' as const, host: null }]));
      state.pending.set(tx.begin.id, {
        runId: tx.begin.id,
        detectedAt: tx.begin.detectedAt ?? '',
        begin: tx.position,
        end: next,
        events: tx.markRows.length,
        sinks,
      });
    }
    state.applied = next;
    state.tailLines += tx.lines + 2;
  }

  private delivery(record: DeliveryRecord): void {
    const pass = this.state.pending.get(record.run);
    if (pass === undefined) return;
    if (record.state === 'done') pass.sinks.delete(record.sink);
    else pass.sinks.set(record.sink, { state: 'staged', host: record.host });
    if (pass.sinks.size === 0) this.state.pending.delete(record.run);
  }
}
