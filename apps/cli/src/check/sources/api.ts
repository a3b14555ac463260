/**
 * `check --api URL`: a running validator's batch endpoint, `POST /v1/status/batch` with `Content-Type: application/x-ndjson` both
 * ways (docs/api.md, "Batches"): one request per batch, one question per line out, one status answer per line back, in order. The
 * answers are the validator's own (its config, profile and OCSP policy). A validator that cannot be reached, or a stream that ends
 * early or with an `{"error"}` line, is exit 3.
 */
import { DataUnavailableError } from '../errors.js';
import type { OutcomeTable } from '../outcomes.js';
import type { RowAnswer } from '../row-answer.js';
import type { CheckSource, DataUsed, SliceAnswers, SliceQuestion } from './types.js';

export interface ApiSourceOptions {
  url: string;
  /** sent as `X-API-Key` when given */
  apiKey?: string;
  /** rows without an issuer default to this (the API needs one) */
  fetch?: typeof fetch;
}

interface AnswerLine {
  caId?: string | null;
  issuer?: string;
  status?: string;
  reason?: string | null;
  meaning?: string | null;
  revokedAt?: string | null;
  source?: 'crl' | 'ocsp' | null;
  crl?: { number?: string; thisUpdate?: string; nextUpdate?: string | null; stale?: boolean } | null;
  detail?: string;
  medium?: string | null;
  error?: string;
  line?: number;
}

export class ApiSource implements CheckSource {
  private readonly endpoint: string;
  private readonly options: ApiSourceOptions;
  private readonly used = new Map<string, DataUsed>();

  constructor(options: ApiSourceOptions) {
    this.options = options;
    this.endpoint = new URL('v1/status/batch', options.url.endsWith('/') ? options.url : `${options.url}/`).toString();
  }

  async answer(question: SliceQuestion, table: OutcomeTable, out: SliceAnswers): Promise<void> {
    const { batch, issuers, issuerNames } = question;
    const asked: number[] = [];
    const lines: string[] = [];
    for (let i = 0; i < batch.rows; i++) {
      const id = issuers[i] as number;
      if (id < 0) continue;
      asked.push(i);
      // a serial the reader read as a number is sent in the contract's form (the same value, so the same answer)
      const serial = batch.serials[i] as number;
      lines.push(
        JSON.stringify({ issuer: issuerNames[id], serial: serial >= 0 ? serial.toString(16).toUpperCase() : (batch.serialTexts[i] ?? '') }),
      );
    }
    if (asked.length === 0) return;
    const body = lines.join('\n');
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          accept: 'application/x-ndjson',
          ...(this.options.apiKey === undefined ? {} : { 'x-api-key': this.options.apiKey }),
        },
        body: `${body}\n`,
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new DataUnavailableError(`validator ${this.options.url} is unavailable${cause}`, { cause: error });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new DataUnavailableError(`validator ${this.endpoint}: HTTP ${response.status} ${text.slice(0, 300)}`);
    }
    const answerLines = (await response.text()).split('\n').filter((l) => l.length > 0);
    if (answerLines.length !== asked.length) {
      const error = answerLines.map((l) => JSON.parse(l) as AnswerLine).find((a) => a.error !== undefined);
      if (error?.error !== undefined) throw this.streamError(error);
      throw new DataUnavailableError(`validator ${this.endpoint}: ${answerLines.length} answers to ${asked.length} questions`);
    }
    answerLines.forEach((line, k) => {
      const a = JSON.parse(line) as AnswerLine;
      if (a.error !== undefined) throw this.streamError(a);
      const row = asked[k] as number;
      const answer = this.rowAnswer(a);
      out.outcome[row] = table.indexOf(answer);
      out.revokedAtMs[row] = answer.status === 'revoked' && answer.revokedAt !== null ? Date.parse(answer.revokedAt) : Number.NaN;
      out.invalidityMs[row] = Number.NaN;
    });
  }

  private streamError(a: AnswerLine): DataUnavailableError {
    return new DataUnavailableError(`validator ${this.endpoint}: ${a.line === undefined ? '' : `line ${a.line}: `}${a.error ?? 'error'}`);
  }

  private rowAnswer(a: AnswerLine): RowAnswer {
    const crl = a.crl ?? null;
    if (crl?.number !== undefined && crl.thisUpdate !== undefined) {
      const caId = a.caId ?? a.issuer ?? '';
      const key = `${caId} ${crl.number} ${crl.thisUpdate}`;
      if (!this.used.has(key)) {
        this.used.set(key, {
          caId,
          partition: null,
          crlNumber: crl.number,
          thisUpdate: crl.thisUpdate,
          nextUpdate: crl.nextUpdate ?? null,
          stale: crl.stale ?? false,
        });
      }
    }
    const status = a.status === 'good' || a.status === 'revoked' ? a.status : 'unknown';
    return {
      status,
      reason: a.reason ?? null,
      meaning: a.meaning ?? null,
      revokedAt: a.revokedAt ?? null,
      source: a.source ?? null,
      crlNumber: crl?.number ?? null,
      detail: a.detail ?? (status === 'unknown' ? 'unknown' : null),
      medium: a.medium ?? null,
    };
  }

  soleIssuer(): string | null {
    return null;
  }

  dataUsed(): DataUsed[] {
    return [...this.used.values()];
  }

  async close(): Promise<void> {}
}
