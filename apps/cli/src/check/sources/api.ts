/**
 * `check --api URL`: a running validator's batch endpoint, `POST /v1/status/batch` with `Content-Type: application/x-ndjson` both
 * ways (CONTRACT "HTTP API"): one request per batch, one question per line out, one status answer per line back, in order. The
 * answers are the validator's own (its config, profile and OCSP policy). A validator that cannot be reached, or a stream that ends
 * early or with an `{"error"}` line, is exit 3.
 */
import { DataUnavailableError } from '../errors.js';
import type { RowAnswer } from '../row-answer.js';
import type { CheckSource, DataUsed, RowQuestion } from './types.js';

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

  async answer(questions: readonly RowQuestion[]): Promise<RowAnswer[]> {
    const body = questions.map((q) => JSON.stringify({ issuer: q.issuer, serial: q.serial })).join('\n');
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
    const lines = (await response.text()).split('\n').filter((l) => l.length > 0);
    const answers: RowAnswer[] = [];
    for (const line of lines) {
      const a = JSON.parse(line) as AnswerLine;
      if (a.error !== undefined) throw new DataUnavailableError(`validator ${this.endpoint}: ${a.line === undefined ? '' : `line ${a.line}: `}${a.error}`);
      answers.push(this.rowAnswer(a));
    }
    if (answers.length !== questions.length) {
      throw new DataUnavailableError(`validator ${this.endpoint}: ${answers.length} answers to ${questions.length} questions`);
    }
    return answers;
  }

  private rowAnswer(a: AnswerLine): RowAnswer {
    const crl = a.crl ?? null;
    if (crl?.number !== undefined && crl.thisUpdate !== undefined) {
      const caId = a.caId ?? a.issuer ?? '';
      const key = `${caId} ${crl.number} ${crl.thisUpdate}`;
      if (!this.used.has(key)) {
        this.used.set(key, { caId, partition: null, crlNumber: crl.number, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate ?? null, stale: crl.stale ?? false });
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
