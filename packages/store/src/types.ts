import type { OpsRoom } from './ops/ops-room.js';

/**
 * The revocation store's public types: one interface, two implementations (Redis bitmaps and the embedded store), and the
 * in-memory snapshot both of them hand to the hot path.
 *
 * Model (docs/data-model.md): per CA key ONE merged revocation set — every serial any partition ever listed, with the
 * latest CRL's reason and dates — versioned in generations. Per partition only metadata. Revocation is final: a later full CRL that
 * drops a serial leaves it listed; only a delta CRL's removeFromCRL (reason 8) un-lists it.
 */

/** Metadata of one CRL scope, (caId, partition), after its latest successful load. Times are ms since the epoch. */
export interface PartitionMeta {
  partition: string;
  /** cRLNumber of the latest CRL applied (full or delta: they share one sequence) */
  crlNumber: bigint;
  /** cRLNumber of the latest FULL CRL applied: the base deltas must build on */
  fullCrlNumber: bigint;
  /** whether the latest CRL applied was a delta */
  isDelta: boolean;
  thisUpdateMs: number;
  /** null when the CRL has no nextUpdate (counts as stale: docs/api.md) */
  nextUpdateMs: number | null;
  /** entries in the latest CRL applied */
  entries: number;
  loadedAtMs: number;
  /** where the CRL came from (URL, path): free text for /v1/issuers */
  source: string;
  /** the CA generation this load produced */
  generation: number;
}

/** Where a load goes: known before the first byte of the CRL. */
export interface LoadTarget {
  caId: string;
  /** partition name (e.g. the CRL's distribution point URL); use one constant name for an unpartitioned CA */
  partition: string;
  source: string;
  /** defaults to Date.now() at commit */
  loadedAtMs?: number;
  /**
   * How many entries to make room for up front (e.g. the CRL's byte size / 37): saves the doubling copies of a 5-million-entry
   * load. A hint only; the loader grows past it.
   */
  expectedEntries?: number;
}

/**
 * What the CRL says about itself. A streaming scan learns these only at the END (cRLNumber and deltaCRLIndicator sit in
 * crlExtensions, after revokedCertificates), so they may be given to `commit` instead of `beginLoad`.
 */
export interface CrlFacts {
  crlNumber: bigint;
  thisUpdateMs: number;
  nextUpdateMs: number | null;
  isDelta: boolean;
  /** a delta's BaseCRLNumber (required when isDelta) */
  baseCrlNumber?: bigint;
  /**
   * What identifies the CRL's content (e.g. a hash of its signature): with a high-water record, the same number offered again with
   * other content is refused (CRL_NUMBER_REUSED) even after the store lost its data.
   */
  contentId?: string;
}

export type LoadOptions = LoadTarget & CrlFacts;

/** `beginLoad` takes the target and, when already known, the CRL's facts; otherwise `commit(facts)` supplies them. */
export type BeginLoadOptions = LoadTarget & Partial<CrlFacts>;

/**
 * Accumulates one CRL generation. `add` is called from the CRL scanner's hot loop: it copies four numbers into typed arrays and
 * never allocates or touches the network; everything is written in large pieces at `commit`.
 */
export interface CrlLoader {
  /**
   * A serial in 0 … 2^32-1 (the bitmap range); larger safe integers are routed to `addLong`. reasonCode: CRLReason, or -1 when the
   * entry has no reasonCode (stored as unspecified). invalidityMs: NaN when absent.
   */
  add(serialNumber: number, reasonCode: number, revokedAtMs: number, invalidityMs: number): void;
  /** any serial, including long and negative ones (PKITS): kept in the fallback structure when outside the bitmap range */
  addLong(serial: bigint, reasonCode: number, revokedAtMs: number, invalidityMs: number): void;
  /** entries added so far */
  readonly count: number;
  /**
   * Makes the generation visible in one atomic step with its metadata; throws RollbackError / DeltaBaseError.
   * `facts` completes (and overrides) what `beginLoad` was given; a load whose facts are still incomplete is refused.
   */
  commit(facts?: CrlFacts): Promise<CommitReport>;
  /** drops everything; nothing becomes visible */
  abort(): Promise<void>;
}

export interface CommitReport {
  /** `noop`: the same CRL number was already loaded for this scope; nothing changed */
  outcome: 'switched' | 'noop';
  caId: string;
  partition: string;
  crlNumber: bigint;
  /** the CA generation now current (unchanged for a noop) */
  generation: number;
  entries: number;
  /** entries the switch changed in the CA's merged set: new, re-dated or given another reason, or removed (0 for a noop) */
  changes: number;
  /**
   * Per reason code (index 0 … 10): the partition's entries this switch newly listed or gave another reason — what "revocations
   * that day" counts. null for a noop and for a partition's first load, whose entries are a baseline, not news.
   */
  addedByReason: number[] | null;
}

/** A listed serial's data. Dates have one-second precision (CRL times are whole seconds). */
export interface RevokedEntry {
  /** CRLReason code (0 unspecified … 10 aACompromise; never 8) */
  reasonCode: number;
  revokedAtMs: number;
  /** NaN when the entry had no invalidityDate */
  invalidityMs: number;
}

/** One serial's answer with everything a status answer needs about the CA's data. */
export interface LookupAnswer {
  caId: string;
  /** false when no CRL was ever loaded for this CA (the answer’s `issuer_not_loaded`) */
  loaded: boolean;
  /** null: not listed */
  entry: RevokedEntry | null;
  /** every partition's metadata: a bare serial is good only when all are fresh */
  partitions: PartitionMeta[];
  generation: number;
}

/** Bulk answers, one slot per input serial, in input order. */
export interface BulkLookup {
  /** -1: not listed; else the reason code */
  reasonCodes: Int8Array;
  /** NaN when not listed */
  revokedAtMs: Float64Array;
  /** NaN when not listed or no invalidityDate */
  invalidityMs: Float64Array;
  partitions: PartitionMeta[];
  loaded: boolean;
  generation: number;
}

/** Published after every switch; the death-detection job and replicas subscribe. */
export interface SwitchEvent {
  caId: string;
  partition: string;
  crlNumber: bigint;
  generation: number;
  /**
   * The store identity the generation belongs to: made with a CA's first generation, kept by every later one. Generations count
   * from 1 again after a data loss, so (epoch, generation) — not the generation alone — names a generation.
   */
  epoch: string;
}

/**
 * The store lost a CA's data (Redis restarted empty, FLUSHALL, a failover to an empty replica; an embedded snapshot deleted):
 * noticed by a reader whose copy belongs to another epoch, or by a writer whose high-water record knows more than the store.
 */
export interface DataLossNotice {
  caId: string;
  /** the epoch known before (held copy or high-water record); null when none was known */
  previousEpoch: string | null;
  /** the store's epoch now; null when the store holds nothing for the CA */
  currentEpoch: string | null;
  detectedAtMs: number;
  /** what was noticed, for logs and /readyz */
  detail: string;
}

/** One serial whose state differs between the previous and the current generation (a view: reused between callbacks). */
export interface GenerationChange {
  serial: bigint;
  /** -1 when not listed in that generation */
  previousReason: number;
  currentReason: number;
}

export interface DiffSummary {
  caId: string;
  fromGeneration: number;
  toGeneration: number;
  changes: number;
}

/** Small generic key-value room on the store for later features (OCSP response cache, watch-list state). */
export interface SmallKv {
  get(key: string): Promise<Uint8Array | null>;
  /** ttlMs: expire after this many ms (absent: keep) */
  set(key: string, value: Uint8Array, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Reads and removes a value in one atomic step: of any number of callers racing for one key — in this process, in other
   * processes sharing the data directory, or in other validators sharing Redis — exactly one gets the value, the others null.
   * What single-use tokens (login challenges) stand on; an expired value is null, as with `get`.
   */
  take(key: string): Promise<Uint8Array | null>;
}

/** The read side: what the validator and the batch CLI need. */
export interface RevocationReader {
  lookup(caId: string, serial: bigint): Promise<LookupAnswer>;
  /**
   * Bulk: serials as numbers (safe integers; negative or ≥ 2^32 go through the fallback structure). For serials beyond 2^53 use
   * `lookup` with a bigint.
   */
  lookupMany(caId: string, serials: ArrayLike<number>): Promise<BulkLookup>;
  partitions(caId: string): Promise<PartitionMeta[]>;
  /** one partition's metadata; null when the store holds no CRL for it */
  partitionMeta(caId: string, partition: string): Promise<PartitionMeta | null>;
  /**
   * The partitions the CA has, as its fetcher declared them from its config (declarePartitions); null when none was declared —
   * or the declaration went with a data loss (it lives beside the CA's data). A reader without a config of its own takes this as
   * the complete set: a bare serial is good only when every one of them is loaded and fresh, and never when it is null.
   */
  expectedPartitions(caId: string): Promise<readonly string[] | null>;
  /** every CA with data */
  caIds(): Promise<string[]>;
  /** called after every switch (this process's and, through pub/sub or the data directory, other processes'); returns unsubscribe */
  subscribe(listener: (event: SwitchEvent) => void): () => void;
  close(): Promise<void>;
}

/** The full store: writers (the CRL fetcher) and set algebra (the death-detection job). */
export interface RevocationStore extends RevocationReader {
  beginLoad(options: BeginLoadOptions): Promise<CrlLoader>;
  /**
   * Visits every serial whose listing or reason differs between the previous and the current generation of the CA (chunks shared
   * by both generations are skipped without reading them).
   */
  diffGenerations(caId: string, visit: (change: GenerationChange) => void): Promise<DiffSummary>;
  readonly kv: SmallKv;
  /**
   * true: the store queues commits itself and commits those waiting together (the embedded store's group commit), so a caller
   * must hand it every commit as it comes rather than wait for one before the next
   */
  readonly groupsCommits?: boolean;
  /** the operations history's room (ops/ops-history.ts): capped lists and day counters, beside the data */
  readonly ops: OpsRoom;
  /** records the CA's complete partition set (the fetcher, from its config, before it loads and after a data loss) */
  declarePartitions(caId: string, partitions: readonly string[]): Promise<void>;
}
