/**
 * A batch's answers as JSON text, one string per item, for the JSON batch and the NDJSON stream: byte for byte what
 * `JSON.stringify({ ...answer, id })` gives for `StatusResolver.checkMany`'s answer, without building that answer.
 *
 * Most items take the columnar bulk path (@jpki-validator/status bulk-columns.ts): per row a serial read without BigInt, one
 * snapshot lookup and an outcome index; the text is the outcome's pre-built JSON around the row's own serial, dates and id.
 * `checkMany` answers the rest — a request with `at` or `mode`, and every item whose issuer has an OCSP responder the policy may
 * ask (the bulk path reads CRL data only) — and its answers are written with the id spliced in rather than copied in.
 *
 * The bulk resolver is made per call: it remembers every issuer it is asked about, and an NDJSON stream has no length limit.
 */
import {
  NEEDS_FULL_PARSE,
  readSerialNumber,
  SKIP_ROW,
  answerSerialText,
  type BulkColumns,
  type BulkOutcome,
  type BulkStatusResolver,
  type CheckOptions,
  type StatusAnswer,
  type StatusResolver,
} from '@jpki-validator/status';
import { formatTime } from '@jpki-validator/x509';

export interface BatchItem {
  issuer: string;
  serial: string;
  /** echoed as given (JSON batch: string or number; NDJSON: any JSON value) */
  id?: unknown;
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
 * An outcome's JSON around a row's own parts. Keys in verdict.ts's order (good, unknown and revoked answers alike):
 * issuer caId serial status reason meaning revokedAt invalidityDate source crl [ocsp] [detail] checkedAt [anomaly].
 */
interface OutcomeText {
  /** `{"issuer":…,"caId":…,"serial":` */
  head: string;
  /** `,"status":…,"reason":…,"meaning":…,"revokedAt":` */
  middle: string;
  revoked: boolean;
  /** `,"source":…,"crl":…[,"ocsp":…][,"detail":…],"checkedAt":…[,"anomaly":true]` */
  tail: string;
}

function outcomeText(issuer: string, o: BulkOutcome, checkedAt: string): OutcomeText {
  const j = JSON.stringify;
  return {
    head: `{"issuer":${j(issuer)},"caId":${j(o.caId)},"serial":`,
    middle: `,"status":${j(o.status)},"reason":${j(o.reason)},"meaning":${j(o.meaning)},"revokedAt":`,
    revoked: o.status === 'revoked',
    tail:
      `,"source":${j(o.source)},"crl":${j(o.crl)}${o.ocsp === null ? '' : `,"ocsp":${j(o.ocsp)}`}` +
      `${o.detail === null ? '' : `,"detail":${j(o.detail)}`},"checkedAt":${j(checkedAt)}${o.anomaly ? ',"anomaly":true' : ''}`,
  };
}

const timeText = (ms: number): string => (Number.isNaN(ms) ? 'null' : `"${formatTime(ms)}"`);

/** Answers batches for one resolver; `count` sees every answer. */
export class BatchAnswerer {
  constructor(
    private readonly resolver: StatusResolver,
    private readonly count: AnswerCounter,
  ) {}

  async answer(items: readonly BatchItem[], options: CheckOptions): Promise<string[]> {
    const texts = new Array<string>(items.length);
    const full: number[] = [];
    if (options.atMs !== undefined || options.mode !== undefined) for (let i = 0; i < items.length; i++) full.push(i);
    else this.answerBulk(items, texts, full);
    if (full.length > 0) {
      const answers = await this.resolver.checkMany(
        full.map((i) => items[i] as BatchItem),
        options,
      );
      full.forEach((i, k) => {
        const answer = answers[k] as StatusAnswer;
        this.count(answer.status, answer.detail ?? '', answer.source ?? '', 1);
        texts[i] = answerJson(answer, (items[i] as BatchItem).id);
      });
    }
    return texts;
  }

  /** the bulk path: fills `texts` for its rows, and lists in `full` the rows it leaves to checkMany */
  private answerBulk(items: readonly BatchItem[], texts: string[], full: number[]): void {
    const n = items.length;
    const bulk: BulkStatusResolver = this.resolver.bulk();
    const handles = new Int32Array(n);
    const serials = new Float64Array(n);
    let serialTexts: (string | undefined)[] | null = null;
    // per issuer handle: 1 when OCSP may answer for it (checkMany's rows), 0 when the CRL alone does; -1 not yet known
    const ocspIssuer: number[] = [];
    for (let i = 0; i < n; i++) {
      const item = items[i] as BatchItem;
      const handle = bulk.issuerHandle(item.issuer);
      let viaOcsp = ocspIssuer[handle];
      if (viaOcsp === undefined) ocspIssuer[handle] = viaOcsp = this.resolver.ocspMayAnswer(item.issuer) ? 1 : 0;
      if (viaOcsp === 1) {
        handles[i] = SKIP_ROW;
        full.push(i);
        continue;
      }
      handles[i] = handle;
      const value = readSerialNumber(item.serial, 0, item.serial.length);
      serials[i] = value;
      if (value === NEEDS_FULL_PARSE) (serialTexts ??= new Array<string | undefined>(n))[i] = item.serial;
    }
    const checkedAt = this.resolver.checkedAtNow();
    const out: BulkColumns = { outcome: new Int32Array(n), revokedAtMs: new Float64Array(n), invalidityMs: new Float64Array(n) };
    bulk.round().answer(handles, serials, serialTexts, 0, n, out);
    const outcomes = bulk.outcomes;
    // per handle, per outcome index: the outcome's text, made the first time a row needs it
    const textOf: (OutcomeText | undefined)[][] = [];
    const counts: number[] = [];
    for (let i = 0; i < n; i++) {
      const handle = handles[i] as number;
      if (handle === SKIP_ROW) continue;
      const index = out.outcome[i] as number;
      const item = items[i] as BatchItem;
      const perHandle = (textOf[handle] ??= []);
      let t = perHandle[index];
      if (t === undefined) perHandle[index] = t = outcomeText(item.issuer, outcomes[index] as BulkOutcome, checkedAt);
      counts[index] = (counts[index] ?? 0) + 1;
      const value = serials[i] as number;
      const serial = value >= 0 ? `"${value.toString(16).toUpperCase()}"` : JSON.stringify(answerSerialText(item.serial));
      const dates = t.revoked ? `${timeText(out.revokedAtMs[i] as number)},"invalidityDate":${timeText(out.invalidityMs[i] as number)}` : 'null,"invalidityDate":null';
      const idText = item.id === undefined ? undefined : (JSON.stringify(item.id) as string | undefined);
      texts[i] = `${t.head}${serial}${t.middle}${dates}${t.tail}${idText === undefined ? '}' : `,"id":${idText}}`}`;
    }
    counts.forEach((count, index) => {
      const o = outcomes[index] as BulkOutcome;
      this.count(o.status, o.detail ?? '', o.source ?? '', count);
    });
  }
}
