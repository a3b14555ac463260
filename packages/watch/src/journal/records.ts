/**
 * The journal's lines, each one JSON object with a `t` (type):
 *
 *   {"t":"begin","id":…,"kind":"rows"}                                   an import or rotation …
 *   {"t":"dict","i":0,"issuer":…,"group":…,"caIds":[…],"kind":"sign"}     … an issuer-table entry it adds or re-resolves
 *   {"t":"row","r":7,"k":"C-1","i":0,"s":"7F","a":null}                  … a new row (k: the customer id)
 *   {"t":"row","r":7,"i":0,"s":"80","a":…,"m":0,"was":{"i":0,"s":"7F","a":null}}  … a changed row (m: mask reset; was: before)
 *   {"t":"begin","id":<runId>,"kind":"pass","detectedAt":…,"sinks":[…]}   a pass: the events it reports, to these sinks …
 *   {"t":"ev","r":7,"b":8,"e":<the contract's event object>}              … one event: row 7 gets mask bits 8
 *   {"t":"commit","id":…,"n":<body lines>}                               the transaction counts from here on
 *   {"t":"delivery","run":<runId>,"sink":…,"state":"staged"|"done","host":…}  one sink's delivery step (a line on its own)
 *
 * `ev` lines are written and read by hand (their prefix is fixed, the event is the rest of the line), so a pass over millions of
 * events never parses them as JSON.
 */
import { formatSerial } from '@jpki-validator/x509';
import type { CertificateKind } from '../list/issuer-table.js';

export type TxKind = 'rows' | 'pass';

export interface BeginRecord {
  t: 'begin';
  id: string;
  kind: TxKind;
  detectedAt?: string;
  sinks?: string[];
}

export interface DictRecord {
  t: 'dict';
  i: number;
  issuer: string;
  group: string;
  caIds: string[];
  kind: CertificateKind;
}

export interface RowValues {
  /** issuer-table index */
  i: number;
  /** serial, contract hex */
  s: string;
  /** notAfter ms, null when unknown */
  a: number | null;
}

export interface RowRecord extends RowValues {
  t: 'row';
  r: number;
  /** customer id: present only for a new row */
  k?: string;
  /** the row's new mask (a new certificate starts with nothing reported); absent: unchanged */
  m?: number;
  was?: RowValues;
}

export interface CommitRecord {
  t: 'commit';
  id: string;
  n: number;
}

export type DeliveryState = 'staged' | 'done';

export interface DeliveryRecord {
  t: 'delivery';
  run: string;
  sink: string;
  state: DeliveryState;
  host: string;
}

export type JournalRecord = BeginRecord | DictRecord | RowRecord | CommitRecord | DeliveryRecord;

const EV_PREFIX = '{"t":"ev","r":';
const EV_LINE = /^\{"t":"ev","r":(\d+),"b":(\d+),"e":/;

export function eventLine(row: number, bits: number, eventJson: string): string {
  return `${EV_PREFIX}${row},"b":${bits},"e":${eventJson}}`;
}

export function isEventLine(text: string): boolean {
  return text.startsWith(EV_PREFIX);
}

/** row and bits of an `ev` line, into `out`; false when the line is not one */
export function readEventLine(text: string, out: { row: number; bits: number; eventStart: number }): boolean {
  const m = EV_LINE.exec(text);
  if (m === null) return false;
  out.row = Number(m[1]);
  out.bits = Number(m[2]);
  out.eventStart = m[0].length;
  return true;
}

/** the event's JSON text of an `ev` line (the line without its prefix and final brace) */
export function eventJsonOf(text: string, eventStart: number): string {
  return text.slice(eventStart, -1);
}

export function rowValues(issuer: number, serial: bigint, notAfterMs: number): RowValues {
  return { i: issuer, s: formatSerial(serial), a: Number.isNaN(notAfterMs) ? null : notAfterMs };
}
