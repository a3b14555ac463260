/** A watch list that lives only as long as the process (no data directory): the journal is an array. */
import type { JournalBackend, JournalLine, Manifest } from './backend.js';

export class MemoryJournalBackend implements JournalBackend {
  readonly kind = 'memory' as const;
  private readonly lines: string[] = [];
  private manifest: Manifest | null = null;
  private readonly checkpoints = new Map<string, Uint8Array[]>();
  private queue: Promise<unknown> = Promise.resolve();

  withLock<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async readManifest(): Promise<Manifest | null> {
    return this.manifest;
  }

  async writeManifest(manifest: Manifest): Promise<void> {
    this.manifest = manifest;
  }

  async writeCheckpoint(id: string, segments: readonly Uint8Array[]): Promise<void> {
    // copies: the state keeps changing the arrays the segments view
    this.checkpoints.set(
      id,
      segments.map((s) => new Uint8Array(s)),
    );
  }

  async readCheckpoint(id: string): Promise<Uint8Array[]> {
    return (this.checkpoints.get(id) ?? []).map((s) => new Uint8Array(s));
  }

  async deleteCheckpointsExcept(keep: string | null): Promise<void> {
    for (const id of [...this.checkpoints.keys()]) if (id !== keep) this.checkpoints.delete(id);
  }

  async journalEnd(): Promise<number> {
    return this.lines.length;
  }

  async truncateJournal(position: number): Promise<void> {
    this.lines.length = position;
  }

  async appendJournal(lines: readonly string[]): Promise<number> {
    for (const l of lines) this.lines.push(l);
    return this.lines.length;
  }

  async *readJournal(from: number, to: number): AsyncIterable<JournalLine> {
    for (let i = from; i < Math.min(to, this.lines.length); i++) yield { text: this.lines[i] as string, position: i, next: i + 1 };
  }

  async earlierLayout(): Promise<string | null> {
    return null;
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
