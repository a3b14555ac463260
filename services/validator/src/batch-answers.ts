/**
 * A batch's answers as JSON, written into one byte buffer (json-bytes.ts) for the JSON batch and the NDJSON stream: byte for byte
 * what `JSON.stringify({ ...answer, id })` gives for `StatusResolver.checkMany`'s answer, without building that answer.
 *
 * Most items take the columnar bulk path (@jpki-validator/status bulk-columns.ts): per row a serial read without BigInt, one
 * snapshot lookup and an outcome index; the bytes are the outcome's pre-encoded JSON around the row's own serial, dates and id.
 * `checkMany` answers the rest — a request with `at` or `mode`, and every item whose issuer has an OCSP responder the policy may
 * ask (the bulk path reads CRL data only) — and its answers are written with the id spliced in rather than copied in.
 *
 * The bulk resolver is made per call: it remembers every issuer it is asked about, and an NDJSON stream has no length limit.
 */
import {
  NEEDS_FULL_PARSE,
  SKIP_ROW,
  partitionNamed,
  answerSerialText,
  type BulkColumns,
  type BulkOutcome,
  type BulkStatusResolver,
  type CheckOptions,
  type StatusAnswer,
  type StatusResolver,
} from '@jpki-validator/status';
import { ItemRows, type BatchRows } from './batch-rows.js';
import { FRESH_ARRAYS, type ScratchArrays } from './scratch-arrays.js';
import type { JsonBytes } from './json-bytes.js';

export interface BatchItem {
  issuer: string;
  serial: string;
  /** echoed as given (JSON batch: string or number; NDJSON: any JSON value) */
  id?: unknown;
  /** the serial's configured partition: only it needs to be fresh (CheckOptions.partition) */
  partition?: string;
}

/** a meaning's label in the language a request asked for (null when there is none) */
export type LabelOf = (meaning: string) => string | null;

/** the answer with `meaningLabel` beside its meaning (the key order verdict.ts's answers and the bulk bytes share) */
export function withMeaningLabel(answer: StatusAnswer, labelOf: LabelOf | null): StatusAnswer {
  if (labelOf === null) return answer;
  const { issuer, caId, medium, serial, status, reason, meaning, ...rest } = answer;
  return { issuer, caId, medium, serial, status, reason, meaning, meaningLabel: meaning === null ? null : labelOf(meaning), ...rest };
}

/** counts answers for /metrics: `count` answers with this status, detail and source ('' for none) */
export type AnswerCounter = (status: string, detail: string, source: string, count: number) => void;

/** `{ ...answer, id }` as JSON.stringify writes it, without the copy: `id` is the last key, so it goes before the closing brace */
export function answerJson(answer: StatusAnswer, id: unknown): string {
  const text = JSON.stringify(answer);
  const idText = id === undefined ? undefined : (JSON.stringify(id) as string | undefined);
  return idText === undefined ? text : `${text.slice(0, -1)},"id":${idText}}`;
}

/**
 * An outcome's JSON around a row's own parts, as UTF-8 made once. Keys in verdict.ts's order (good, unknown and revoked answers
 * alike): issuer caId medium serial status reason meaning [meaningLabel] revokedAt invalidityDate source crl [ocsp] [detail]
 * checkedAt [anomaly].
 */
interface OutcomeBytes {
  /** `{"issuer":…,"caId":…,"serial":` */
  head: Uint8Array;
  /** `,"status":…,"reason":…,"meaning":…,"revokedAt":` — then the row's dates — then the tail */
  middle: Uint8Array;
  /** `,"source":…,"crl":…[,"ocsp":…][,"detail":…],"checkedAt":…[,"anomaly":true]` */
  tail: Uint8Array;
  /** middle, both dates null and tail in one piece, for a row that is not revoked */
  middleNoDatesTail: Uint8Array;
  /** `,"invalidityDate":null` and the tail in one piece, for a revoked row without an invalidity date (most of them) */
  noInvalidityTail: Uint8Array;
  revoked: boolean;
}

function outcomeBytes(issuer: string, o: BulkOutcome, checkedAt: string, labelOf: LabelOf | null): OutcomeBytes {
  const j = JSON.stringify;
  const label = labelOf === null ? '' : `,"meaningLabel":${j(o.meaning === null ? null : labelOf(o.meaning))}`;
  const middle = `,"status":${j(o.status)},"reason":${j(o.reason)},"meaning":${j(o.meaning)}${label},"revokedAt":`;
  const tail =
    `,"source":${j(o.source)},"crl":${j(o.crl)}${o.ocsp === null ? '' : `,"ocsp":${j(o.ocsp)}`}` +
    `${o.detail === null ? '' : `,"detail":${j(o.detail)}`},"checkedAt":${j(checkedAt)}${o.anomaly ? ',"anomaly":true' : ''}`;
  return {
    head: Buffer.from(`{"issuer":${j(issuer)},"caId":${j(o.caId)},"medium":${j(o.medium)},"serial":`),
    middle: Buffer.from(middle),
    tail: Buffer.from(tail),
    middleNoDatesTail: Buffer.from(`${middle}null,"invalidityDate":null${tail}`),
    noInvalidityTail: Buffer.from(`,"invalidityDate":null${tail}`),
    revoked: o.status === 'revoked',
  };
}

function writeTime(out: JsonBytes, ms: number): void {
  if (Number.isNaN(ms)) out.bytes(NULL);
  else out.time(ms);
}

const NULL = Buffer.from('null');
const INVALIDITY_KEY = Buffer.from(',"invalidityDate":');
const CLOSE_BRACE = 0x7d;

/** One batch's answers, written row by row (in any order the caller interleaves them with its own lines). */
export class BatchAnswers {
  constructor(
    readonly rows: BatchRows,
    /** per row: its outcome's bytes (bulk path), or undefined where `fullTexts` has the row */
    private readonly outcomeOf: readonly (OutcomeBytes | undefined)[],
    readonly columns: BulkColumns | null,
    private readonly fullTexts: readonly (string | undefined)[],
    /** the bulk path's outcomes (`columns.outcome` indexes them) */
    readonly outcomes: readonly BulkOutcome[],
    /** per row answered by `checkMany`: its answer (the audit history reads them) */
    readonly fullAnswers: readonly (StatusAnswer | undefined)[],
  ) {}

  /** whether the row took the bulk path (its answer is `outcomes[columns.outcome[i]]` with the row's serial) */
  isBulkRow(i: number): boolean {
    return this.outcomeOf[i] !== undefined && this.columns !== null;
  }

  get length(): number {
    return this.rows.length;
  }

  /** the row's answer as JSON, `id` last */
  writeRow(i: number, out: JsonBytes): void {
    const t = this.outcomeOf[i];
    if (t === undefined || this.columns === null) {
      out.utf8(this.fullTexts[i] as string);
      return;
    }
    out.bytes(t.head);
    const value = this.rows.serialValue[i] as number;
    if (value >= 0) out.hexString(value);
    else out.jsonString(answerSerialText(this.rows.serialText(i)));
    if (t.revoked) {
      out.bytes(t.middle);
      writeTime(out, this.columns.revokedAtMs[i] as number);
      const invalidityMs = this.columns.invalidityMs[i] as number;
      if (Number.isNaN(invalidityMs)) out.bytes(t.noInvalidityTail);
      else {
        out.bytes(INVALIDITY_KEY);
        out.time(invalidityMs);
        out.bytes(t.tail);
      }
    } else out.bytes(t.middleNoDatesTail);
    this.rows.writeId(i, out);
    out.byte(CLOSE_BRACE);
  }
}

/** Answers batches for one resolver; `count` sees every answer. */
export class BatchAnswerer {
  constructor(
    private readonly resolver: StatusResolver,
    private readonly count: AnswerCounter,
  ) {}

  answer(items: readonly BatchItem[], options: CheckOptions, labelOf: LabelOf | null = null): Promise<BatchAnswers> {
    return this.answerRows(new ItemRows(items), options, FRESH_ARRAYS, labelOf);
  }

  /** `scratch`: where the per-row columns go (scratch-arrays.ts); their views live as long as the answers are written */
  async answerRows(
    rows: BatchRows,
    options: CheckOptions,
    scratch: ScratchArrays = FRESH_ARRAYS,
    labelOf: LabelOf | null = null,
  ): Promise<BatchAnswers> {
    const n = rows.length;
    const full: number[] = [];
    const outcomeOf = new Array<OutcomeBytes | undefined>(n);
    let columns: BulkColumns | null = null;
    let outcomes: readonly BulkOutcome[] = [];
    if (options.atMs !== undefined || options.mode !== undefined) for (let i = 0; i < n; i++) full.push(i);
    else [columns, outcomes] = this.answerBulk(rows, outcomeOf, full, scratch, labelOf);
    const fullTexts = new Array<string | undefined>(full.length > 0 ? n : 0);
    const fullAnswers = new Array<StatusAnswer | undefined>(full.length > 0 ? n : 0);
    if (full.length > 0) {
      const items = full.map((i) => rows.item(i));
      // a partition the issuer does not have is ignored (the whole-issuer rule answers): a batch never fails on an item
      const answers = await this.resolver.checkMany(
        items.map((item) => (item.partition === undefined || this.knownPartition(item) ? item : { ...item, partition: undefined })),
        options,
      );
      full.forEach((i, k) => {
        const answer = answers[k] as StatusAnswer;
        this.count(answer.status, answer.detail ?? '', answer.source ?? '', 1);
        fullTexts[i] = answerJson(withMeaningLabel(answer, labelOf), (items[k] as BatchItem).id);
        fullAnswers[i] = answer;
      });
    }
    return new BatchAnswers(rows, outcomeOf, columns, fullTexts, outcomes, fullAnswers);
  }

  private knownPartition(item: BatchItem): boolean {
    const cas = this.resolver.registry.resolve(item.issuer);
    return cas !== null && item.partition !== undefined && partitionNamed(cas, item.partition);
  }

  /** the bulk path: an outcome per row it answers; lists in `full` the rows it leaves to checkMany */
  private answerBulk(
    rows: BatchRows,
    outcomeOf: (OutcomeBytes | undefined)[],
    full: number[],
    scratch: ScratchArrays,
    labelOf: LabelOf | null,
  ): [BulkColumns, readonly BulkOutcome[]] {
    const n = rows.length;
    const bulk: BulkStatusResolver = this.resolver.bulk();
    // per issuer index: its handle, or SKIP_ROW when OCSP may answer for it (checkMany's rows; the bulk path reads CRL data only)
    const handleOf = rows.issuers.map((issuer) => (this.resolver.ocspMayAnswer(issuer) ? SKIP_ROW : bulk.issuerHandle(issuer)));
    const handles = scratch.int32(n);
    let serialTexts: (string | undefined)[] | null = null;
    const serials = rows.serialValue;
    for (let i = 0; i < n; i++) {
      // a row naming its partition is judged by that partition's freshness alone: checkMany's single-question path
      const handle = rows.hasPartition(i) ? SKIP_ROW : (handleOf[rows.issuerIndex[i] as number] as number);
      handles[i] = handle;
      if (handle === SKIP_ROW) full.push(i);
      else if (serials[i] === NEEDS_FULL_PARSE) (serialTexts ??= new Array<string | undefined>(n))[i] = rows.serialText(i);
    }
    const checkedAt = this.resolver.checkedAtNow();
    const columns: BulkColumns = { outcome: scratch.int32(n), revokedAtMs: scratch.float64(n), invalidityMs: scratch.float64(n) };
    bulk.round().answer(handles, serials, serialTexts, 0, n, columns);
    const outcomes = bulk.outcomes;
    // per handle, per outcome index: the outcome's bytes, made the first time a row needs them
    const bytesOf: (OutcomeBytes | undefined)[][] = [];
    const counts: number[] = [];
    for (let i = 0; i < n; i++) {
      const handle = handles[i] as number;
      if (handle === SKIP_ROW) continue;
      const index = columns.outcome[i] as number;
      const perHandle = (bytesOf[handle] ??= []);
      outcomeOf[i] = perHandle[index] ??= outcomeBytes(
        rows.issuers[rows.issuerIndex[i] as number] as string,
        outcomes[index] as BulkOutcome,
        checkedAt,
        labelOf,
      );
      counts[index] = (counts[index] ?? 0) + 1;
    }
    counts.forEach((count, index) => {
      const o = outcomes[index] as BulkOutcome;
      this.count(o.status, o.detail ?? '', o.source ?? '', count);
    });
    return [columns, outcomes];
  }
}
