/**
 * RFC 9457 problem details: every error the API returns is `application/problem+json` with `type, title, status, detail`.
 * Handlers throw ProblemError, or let a package's error through; the one `app.onError` (app.ts) hands it to `problemFor`, the one
 * mapping from an error to a problem: a ProblemError as it says, Hono's own HTTP errors by their status, every other error of ours
 * by its kind (usage 400, unavailable 503, internal 500), anything else 500.
 */
import { errorKind, type ErrorKind, JpkiValidatorError } from '@jpki-validator/errors';
import { HTTPException } from 'hono/http-exception';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type ProblemSlug =
  | 'bad-request'
  | 'malformed-serial'
  | 'unauthorized'
  | 'forbidden'
  | 'issuer-unknown'
  | 'not-found'
  | 'method-not-allowed'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'rate-limited'
  | 'unavailable'
  | 'header-too-large'
  | 'request-timeout'
  | 'internal';

const TITLES: Readonly<Record<ProblemSlug, string>> = {
  'bad-request': 'Bad request',
  'malformed-serial': 'Malformed serial',
  unauthorized: 'Missing or invalid API key',
  forbidden: 'Not allowed for this API key',
  'issuer-unknown': 'Unknown issuer',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  'payload-too-large': 'Request too large',
  'unsupported-media-type': 'Unsupported media type',
  'rate-limited': 'Too many requests',
  unavailable: 'Service unavailable',
  'header-too-large': 'Request header fields too large',
  'request-timeout': 'Request timeout',
  internal: 'Internal error',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** request id, so a caller can quote it */
  instance?: string;
}

const kindOfStatus = (status: number): ErrorKind => (status < 500 ? 'usage' : status === 503 ? 'unavailable' : 'internal');

/** An HTTP answer decided by a handler: its `code` is the problem's slug. */
export class ProblemError extends JpkiValidatorError<ProblemSlug> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, slug: ProblemSlug, detail: string, headers: Record<string, string> = {}) {
    super(slug, kindOfStatus(status), detail);
    this.status = status;
    this.headers = headers;
  }

  get slug(): ProblemSlug {
    return this.code;
  }
}

/** Hono's own errors (malformed JSON, an unsupported content type found by its validators) by their status. */
const SLUG_FOR_STATUS: Readonly<Record<number, ProblemSlug>> = {
  400: 'bad-request',
  401: 'unauthorized',
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'rate-limited',
};

const PROBLEM_FOR_KIND: Readonly<Record<ErrorKind, { status: number; slug: ProblemSlug }>> = {
  usage: { status: 400, slug: 'bad-request' },
  unavailable: { status: 503, slug: 'unavailable' },
  internal: { status: 500, slug: 'internal' },
};

export interface ProblemChoice {
  status: number;
  slug: ProblemSlug;
  detail: string;
  headers: Readonly<Record<string, string>>;
  /** an internal fault: the caller logs it (its detail says only which request to quote) */
  internal: boolean;
}

/** The one mapping from an error to the problem the API answers with. */
export function problemFor(error: unknown, requestId: string): ProblemChoice {
  if (error instanceof ProblemError)
    return { status: error.status, slug: error.slug, detail: error.message, headers: error.headers, internal: error.kind === 'internal' };
  if (error instanceof HTTPException) {
    const slug = SLUG_FOR_STATUS[error.status] ?? (error.status >= 500 ? 'internal' : 'bad-request');
    return { status: error.status, slug, detail: error.message || slug, headers: {}, internal: error.status >= 500 };
  }
  const kind = errorKind(error);
  const { status, slug } = PROBLEM_FOR_KIND[kind];
  if (kind === 'internal') return { status, slug, detail: `internal error; quote request ${requestId}`, headers: {}, internal: true };
  return { status, slug, detail: error instanceof Error ? error.message : String(error), headers: {}, internal: false };
}

/** A schema validation failure as the 400 every route gives for it: each issue as `path: message`, the body's own as `(body)`. */
export function validationProblem(issues: readonly { path: readonly PropertyKey[]; message: string }[]): ProblemError {
  const detail = issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(body)'}: ${i.message}`).join('; ');
  return new ProblemError(400, 'bad-request', detail.slice(0, 500));
}

export function problemBody(status: number, slug: ProblemSlug, detail: string, requestId?: string): Problem {
  const body: Problem = { type: `urn:jpki-validator:problem:${slug}`, title: TITLES[slug], status, detail };
  if (requestId !== undefined) body.instance = `urn:jpki-validator:request:${requestId}`;
  return body;
}

export function problemResponse(
  status: number,
  slug: ProblemSlug,
  detail: string,
  requestId?: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(problemBody(status, slug, detail, requestId)), {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}
