/** A reusable out-parameter for allocation-free lookups (the hot path fills one and reads it before its next await). */
export interface EntrySlot {
  reasonCode: number;
  revokedAtMs: number;
  /** NaN when the entry has no invalidityDate */
  invalidityMs: number;
}
