/**
 * A watch state as checkpoint segments and back: segment 0 is a JSON header (row count, issuer table, long serials, pending
 * deliveries, the journal position covered), then one segment per column — typed arrays written as they lie in memory and
 * read back as views, so opening a 20 M-row list is a file read, not a parse.
 */
import { formatSerial } from '@jpki-validator/x509';
import { WatchError } from '../errors.js';
import { parseHexSerial } from '../serial-text.js';
import { IssuerTable, type IssuerTableEntry } from './issuer-table.js';
import { WatchColumns } from './watch-columns.js';
import { WatchState, type PendingPass, type SinkState } from './watch-state.js';

interface CheckpointHeader {
  version: 1;
  rows: number;
  keyBytes: number;
  /** journal position the checkpoint covers */
  position: number;
  issuers: IssuerTableEntry[];
  long: [number, string][];
  pending: {
    runId: string;
    detectedAt: string;
    begin: number;
    end: number;
    events: number;
    sinks: [string, SinkState, string | null][];
  }[];
}

const bytesOf = (a: Uint32Array | Uint16Array | Float64Array | Buffer, n: number): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, n * (a instanceof Buffer ? 1 : a.BYTES_PER_ELEMENT));

export function encodeCheckpoint(state: WatchState, position: number): Uint8Array[] {
  const c = state.columns;
  const header: CheckpointHeader = {
    version: 1,
    rows: c.rows,
    keyBytes: c.keyUsed,
    position,
    issuers: state.issuers.entries.map((e) => ({ ...e, caIds: [...e.caIds] })),
    long: [...c.longSerials].map(([row, serial]) => [row, formatSerial(serial)]),
    pending: [...state.pending.values()].map((p) => ({
      runId: p.runId,
      detectedAt: p.detectedAt,
      begin: p.begin,
      end: p.end,
      events: p.events,
      sinks: [...p.sinks].map(([key, s]) => [key, s.state, s.host]),
    })),
  };
  return [
    Buffer.from(JSON.stringify(header), 'utf8'),
    bytesOf(c.keyEnds, c.rows),
    bytesOf(c.issuer, c.rows),
    bytesOf(c.serial, c.rows),
    bytesOf(c.notAfterMs, c.rows),
    bytesOf(c.mask, c.rows),
    bytesOf(c.keyBytes, c.keyUsed),
  ];
}

/** a typed-array view of a segment, copied when the segment is not aligned for it */
function view<T>(make: (buffer: ArrayBufferLike, offset: number, length: number) => T, bytes: Uint8Array, size: number, rows: number): T {
  if (bytes.byteLength !== rows * size)
    throw new WatchError('WATCH_STATE_CORRUPT', `checkpoint column of ${bytes.byteLength} bytes, expected ${rows * size}`);
  const aligned = bytes.byteOffset % size === 0 ? bytes : new Uint8Array(bytes);
  return make(aligned.buffer, aligned.byteOffset, rows);
}

export function decodeCheckpoint(id: string, segments: readonly Uint8Array[]): { state: WatchState; position: number } {
  const [head, keyEnds, issuer, serial, notAfter, mask, keys] = segments;
  if (
    head === undefined ||
    keyEnds === undefined ||
    issuer === undefined ||
    serial === undefined ||
    notAfter === undefined ||
    mask === undefined ||
    keys === undefined
  )
    throw new WatchError('WATCH_STATE_CORRUPT', `checkpoint ${id}: ${segments.length} segments, expected 7`);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8')) as CheckpointHeader;
  } catch (e) {
    throw new WatchError('WATCH_STATE_CORRUPT', `checkpoint ${id}: header is not JSON`, { cause: e });
  }
  if (header.version !== 1) throw new WatchError('WATCH_STATE_CORRUPT', `checkpoint ${id}: version ${String(header.version)}`);
  const n = header.rows;
  const columns = new WatchColumns(0);
  columns.rows = n;
  columns.keyEnds = view((b, o, l) => new Uint32Array(b, o, l), keyEnds, 4, n);
  columns.issuer = view((b, o, l) => new Uint16Array(b, o, l), issuer, 2, n);
  columns.serial = view((b, o, l) => new Uint32Array(b, o, l), serial, 4, n);
  columns.notAfterMs = view((b, o, l) => new Float64Array(b, o, l), notAfter, 8, n);
  columns.mask = view((b, o, l) => new Uint16Array(b, o, l), mask, 2, n);
  columns.keyBytes = Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength);
  columns.keyUsed = header.keyBytes;
  for (const [row, hex] of header.long) columns.longSerials.set(row, parseHexSerial(hex));
  const state = new WatchState(columns, IssuerTable.from(header.issuers));
  for (const p of header.pending) {
    const pass: PendingPass = { runId: p.runId, detectedAt: p.detectedAt, begin: p.begin, end: p.end, events: p.events, sinks: new Map() };
    for (const [key, st, host] of p.sinks) pass.sinks.set(key, { state: st, host });
    state.pending.set(p.runId, pass);
  }
  state.checkpoint = id;
  state.applied = header.position;
  return { state, position: header.position };
}
