/**
 * The watch list's public types. A customer watches one certificate (issuer + serial) at a time; `rotate` (or a re-import with a
 * new serial) moves the watch to the reissued certificate and keeps the old one in `history`.
 */
import type { ChunkedBitmap } from './chunked-bitmap.js';

/** One row of a watch-list import, already validated. */
export interface WatchEntryInput {
  customerId: string;
  /** as given: a CA id or a group */
  issuer: string;
  /** the CA ids the issuer stands for (a group: every CA of it) */
  caIds: readonly string[];
  serial: bigint;
  /** ms since the epoch; null when unknown */
  notAfterMs: number | null;
}

/** A certificate the customer watched before a rotation. */
export interface WatchHistoryItem {
  issuer: string;
  caIds: readonly string[];
  /** contract form (shortest upper-case hex) */
  serial: string;
  notAfterMs: number | null;
  /** when the watch moved away from it */
  untilMs: number;
}

export interface WatchRecord extends WatchEntryInput {
  updatedAtMs: number;
  history: readonly WatchHistoryItem[];
}

export type WatchEventType = 'revoked' | 'expired';

/** The contract's watch event (JSON Lines line and webhook array item). `notAfter` is added to `expired` events. */
export interface WatchEvent {
  eventId: string;
  type: WatchEventType;
  customerId: string;
  issuer: string;
  caId: string | null;
  /** the CA's medium: `card` or `smartphone` (null when not known: an event recorded before media existed, or an unknown CA) */
  medium?: 'card' | 'smartphone' | null;
  serial: string;
  reason: string | null;
  meaning: string;
  revokedAt: string | null;
  crlNumber: string | null;
  detectedAt: string;
  notAfter?: string;
}

export interface UpsertReport {
  /** customers seen for the first time */
  added: number;
  /** customers whose certificate, issuer or notAfter changed */
  updated: number;
  /** rows identical to what was stored */
  unchanged: number;
}

/** Something the pass found and recorded, so that later passes skip it. */
export type ReportMark = { kind: 'revoked'; caId: string; serial: bigint; reasonCode: number } | { kind: 'expired'; customerId: string };

export interface EventFilter {
  /** detectedAt at or after, ms */
  sinceMs?: number;
  meaning?: string;
}

/**
 * Where the watch list and what was reported live (embedded files or Redis). Every mutation and every pass runs inside `withLock`,
 * so a pass never sees half an import.
 */
export interface WatchRepository {
  readonly chunkBits: number;
  withLock<T>(task: () => Promise<T>): Promise<T>;
  upsert(entries: readonly WatchEntryInput[], nowMs: number): Promise<UpsertReport>;
  get(customerId: string): Promise<WatchRecord | null>;
  /** CAs with at least one watched serial */
  caIds(): Promise<string[]>;
  watched(caId: string): Promise<ChunkedBitmap>;
  /** serials reported with `reasonCode` */
  reported(caId: string, reasonCode: number): Promise<ChunkedBitmap>;
  /** serials that gained a watcher since the last pass (their reported bits do not speak for the new watcher); null: none kept */
  fresh(caId: string): Promise<ChunkedBitmap | null>;
  /** the records currently watching each serial on the CA */
  owners(caId: string, serials: readonly bigint[]): Promise<Map<bigint, WatchRecord[]>>;
  /** records whose notAfter ≤ nowMs and whose expiry was not reported yet */
  dueExpiries(nowMs: number): Promise<WatchRecord[]>;
  /** the subset of ids already recorded */
  knownEventIds(ids: readonly string[]): Promise<Set<string>>;
  /** appends events, marks what was reported, forgets the fresh marks of the CAs passed */
  record(events: readonly WatchEvent[], marks: readonly ReportMark[], passedCaIds: readonly string[]): Promise<void>;
  events(filter?: EventFilter): AsyncIterable<WatchEvent>;
  close(): Promise<void>;
}
