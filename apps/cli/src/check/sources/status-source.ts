/**
 * A CheckSource over packages/status's StatusResolver (the offline embedded store and the Redis replica both hand it in-memory
 * snapshots): one `checkMany` per batch, which looks up each CA's snapshot once for the whole batch.
 */
import type { CaRegistry, SnapshotSource, StatusAnswer, StatusResolver } from '@jpki-validator/status';
import { formatTime } from '@jpki-validator/x509';
import type { RowAnswer } from '../row-answer.js';
import type { CheckSource, DataUsed, RowQuestion } from './types.js';

export interface StatusSourceOptions {
  resolver: StatusResolver;
  registry: CaRegistry;
  snapshots: SnapshotSource;
  /** freshness judged at the end of the run, for the summary */
  now?: () => number;
  close: () => Promise<void>;
}

export class StatusSource implements CheckSource {
  private readonly options: StatusSourceOptions;
  private readonly partitionsSeen = new Map<string, DataUsed[]>();

  constructor(options: StatusSourceOptions) {
    this.options = options;
  }

  async answer(questions: readonly RowQuestion[]): Promise<RowAnswer[]> {
    const answers = await this.options.resolver.checkMany(questions);
    return answers.map(rowAnswerOf);
  }

  soleIssuer(): string | null {
    const cas = this.options.registry.cas;
    if (cas.length === 1) return cas[0]?.id ?? null;
    const groups = new Set(cas.map((ca) => ca.group));
    const [group] = groups;
    return groups.size === 1 && group !== undefined ? group : null;
  }

  /** every configured CA's partitions as the store holds them now */
  dataUsed(): DataUsed[] {
    this.refreshDataUsed();
    return [...this.partitionsSeen.values()].flat();
  }

  /** reads the partitions' metadata (the pipeline calls this at the end, for the summary) */
  refreshDataUsed(): void {
    const nowMs = (this.options.now ?? Date.now)();
    for (const ca of this.options.registry.cas) {
      const graceMs = ca.freshness.graceSeconds * 1000;
      const partitions = this.options.snapshots.snapshot(ca.id)?.partitions ?? [];
      this.partitionsSeen.set(
        ca.id,
        partitions.map((p) => ({
          caId: ca.id,
          partition: p.partition,
          crlNumber: p.crlNumber.toString(),
          thisUpdate: formatTime(p.thisUpdateMs),
          nextUpdate: p.nextUpdateMs === null ? null : formatTime(p.nextUpdateMs),
          stale: p.nextUpdateMs === null || p.nextUpdateMs + graceMs <= nowMs,
        })),
      );
    }
  }

  close(): Promise<void> {
    return this.options.close();
  }
}

export function rowAnswerOf(a: StatusAnswer): RowAnswer {
  return {
    status: a.status,
    reason: a.reason,
    meaning: a.meaning,
    revokedAt: a.revokedAt,
    source: a.source,
    crlNumber: a.crl?.number ?? null,
    detail: a.detail ?? null,
  };
}
