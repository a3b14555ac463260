/**
 * Everything a process knows of a watch list: the columns, the issuer table, and the passes whose events are recorded but not yet
 * delivered to every sink — rebuilt from the current checkpoint plus the journal after it, and kept in step by replaying what
 * other processes append.
 */
import { IssuerTable } from './issuer-table.js';
import { WatchColumns } from './watch-columns.js';

export type SinkState = 'pending' | 'staged';

export interface PendingSink {
  state: SinkState;
  /** the host that staged it (a staged file lies in that host's directory) */
  host: string | null;
}

/** a recorded pass with sinks still to deliver to */
export interface PendingPass {
  runId: string;
  detectedAt: string;
  /** the pass transaction's lines in the journal: [begin, end) */
  begin: number;
  end: number;
  events: number;
  sinks: Map<string, PendingSink>;
}

export class WatchState {
  columns: WatchColumns;
  issuers: IssuerTable;
  readonly pending = new Map<string, PendingPass>();
  /** the journal position up to which everything committed is applied */
  applied = 0;
  /** the checkpoint the state was built from */
  checkpoint: string | null = null;
  /** journal lines applied since that checkpoint (what a reopen would replay) */
  tailLines = 0;

  constructor(columns = new WatchColumns(), issuers = new IssuerTable()) {
    this.columns = columns;
    this.issuers = issuers;
  }
}
