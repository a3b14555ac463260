/**
 * Where a watch list lives, reduced to what the shared logic needs — so the embedded files, Redis and a Redis Cluster run the very
 * same import, pass and delivery code, and differ only here:
 *
 * - a **journal**: append-only lines, the single source of truth. A transaction is a `begin` line, body lines and a `commit` line;
 *   it counts only once its commit is durable, so a write cut short by a crash leaves an uncommitted tail that readers skip and
 *   the next writer drops. Positions are opaque numbers that only grow (bytes of a file, indexes of a Redis list).
 * - **checkpoints**: the whole list as columns (binary segments) as of a journal position, so opening replays only the journal
 *   after it. A checkpoint becomes current only when the manifest names it.
 * - the **manifest**: which checkpoint is current and the journal position it covers, replaced atomically.
 * - the **writer lock**: one writer at a time across processes.
 */
export interface Manifest {
  version: 1;
  /** null: no checkpoint yet (replay from the journal's start) */
  checkpoint: string | null;
  /** the journal position the checkpoint covers */
  journalPosition: number;
}

export interface JournalLine {
  text: string;
  /** where the line starts */
  position: number;
  /** where the next line starts */
  next: number;
}

export interface JournalBackend {
  readonly kind: 'embedded' | 'redis' | 'memory';
  /** runs `task` holding the writer lock (across processes); waits up to the backend's lock timeout */
  withLock<T>(task: () => Promise<T>): Promise<T>;
  readManifest(): Promise<Manifest | null>;
  writeManifest(manifest: Manifest): Promise<void>;
  /** stores a checkpoint durably; it is not current until a manifest names it */
  writeCheckpoint(id: string, segments: readonly Uint8Array[]): Promise<void>;
  readCheckpoint(id: string): Promise<Uint8Array[]>;
  /** checkpoints other than `keep` (superseded or left by a crashed writer) */
  deleteCheckpointsExcept(keep: string | null): Promise<void>;
  /** the journal's end: every committed line lies before it (an uncommitted tail may too) */
  journalEnd(): Promise<number>;
  /** writer only: drops everything at or after `position` (an uncommitted tail) */
  truncateJournal(position: number): Promise<void>;
  /**
   * Appends lines; returns the new end. With `durable`, the lines (and everything before them) survive a crash
   * once this resolves — a transaction's commit line is appended durable, its body may not be.
   */
  appendJournal(lines: readonly string[], durable: boolean): Promise<number>;
  /** the lines in [from, to) */
  readJournal(from: number, to: number): AsyncIterable<JournalLine>;
  /** what a watch list of the earlier, row-per-record layout left here (null: nothing), so it is never mistaken for an empty list */
  earlierLayout(): Promise<string | null>;
  close(): Promise<void>;
}
