/**
 * A CheckSource over packages/status's columnar bulk path (BulkStatusResolver: the same rules as StatusResolver, answers as small
 * integers): the offline embedded store and the Redis snapshot both hand it in-memory snapshots. One round per batch — the CAs'
 * freshness judged once — then per row one lookup and an index; the resolver's outcome indexes are mapped once each onto the
 * run's OutcomeTable.
 */
import { SKIP_ROW, type BulkOutcome, type BulkStatusResolver, type CaRegistry, type SnapshotSource } from '@jpki-validator/status';
import { formatTime } from '@jpki-validator/x509';
import type { OutcomeTable } from '../outcomes.js';
import type { RowAnswer } from '../row-answer.js';
import type { CheckSource, DataUsed, SliceAnswers, SliceQuestion } from './types.js';

export interface StatusSourceOptions {
  resolver: BulkStatusResolver;
  registry: CaRegistry;
  snapshots: SnapshotSource;
  /** freshness judged at the end of the run, for the summary */
  now?: () => number;
  close: () => Promise<void>;
}

export class StatusSource implements CheckSource {
  private readonly options: StatusSourceOptions;
  private readonly partitionsSeen = new Map<string, DataUsed[]>();
  /** resolver outcome index → the run table's index */
  private readonly tableIndex: number[] = [];
  private handles = new Int32Array(0);

  constructor(options: StatusSourceOptions) {
    this.options = options;
  }

  async answer(question: SliceQuestion, table: OutcomeTable, out: SliceAnswers): Promise<void> {
    const { batch, issuers } = question;
    const resolver = this.options.resolver;
    const rows = batch.rows;
    if (this.handles.length < rows) this.handles = new Int32Array(rows);
    const handles = this.handles;
    const byName = question.issuerNames.map((name) => resolver.issuerHandle(name));
    for (let i = 0; i < rows; i++) {
      const id = issuers[i] as number;
      handles[i] = id < 0 ? SKIP_ROW : (byName[id] as number);
    }
    resolver.round().answer(handles, batch.serials, batch.serialTexts, 0, rows, out);
    const map = this.tableIndex;
    for (let i = 0; i < rows; i++) {
      if ((handles[i] as number) < 0) continue;
      const k = out.outcome[i] as number;
      out.outcome[i] = map[k] ?? this.mapOutcome(k, table);
    }
  }

  private mapOutcome(k: number, table: OutcomeTable): number {
    const outcome = this.options.resolver.outcomes[k];
    if (outcome === undefined) throw new RangeError(`the resolver gave outcome ${k}, which it does not have`);
    const index = table.indexOf(rowAnswerOf(outcome));
    this.tableIndex[k] = index;
    return index;
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

/** a row's answer from a bulk outcome (its revokedAt is the row's own, written from the columns) */
export function rowAnswerOf(o: BulkOutcome): RowAnswer {
  return {
    status: o.status,
    reason: o.reason,
    meaning: o.meaning,
    revokedAt: null,
    source: o.source,
    crlNumber: o.crl?.number ?? null,
    detail: o.detail,
    medium: o.medium,
  };
}
