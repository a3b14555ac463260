/** The watch list's public types. */
import type { CertificateKind } from './list/issuer-table.js';

/** One row of a watch-list import given as values (the CSV path reads bytes instead). */
export interface WatchEntryInput {
  customerId: string;
  /** as given: a CA id or a group */
  issuer: string;
  /** the CA ids the issuer stands for (a group: every CA of it) */
  caIds: readonly string[];
  /** the issuer's group: the customer's slot (one row per customer and group); default: the issuer as given */
  group?: string;
  kind?: CertificateKind;
  serial: bigint;
  /** ms since the epoch; null when unknown */
  notAfterMs: number | null;
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

export interface EventFilter {
  /** detectedAt at or after, ms */
  sinceMs?: number;
  meaning?: string;
}
