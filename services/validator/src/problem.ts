/**
 * RFC 9457 problem details: every error the API returns is `application/problem+json` with `type, title, status, detail`.
 * Handlers throw ProblemError; the one `app.onError` (app.ts) turns it — and anything else — into a response.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type ProblemSlug =
  | 'bad-request'
  | 'malformed-serial'
  | 'unauthorized'
  | 'issuer-unknown'
  | 'not-found'
  | 'method-not-allowed'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'rate-limited'
  | 'unavailable'
  | 'internal';

const TITLES: Readonly<Record<ProblemSlug, string>> = {
  'bad-request': 'Bad request',
  'malformed-serial': 'Malformed serial',
  unauthorized: 'Missing or invalid API key',
  'issuer-unknown': 'Unknown issuer',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  'payload-too-large': 'Request too large',
  'unsupported-media-type': 'Unsupported media type',
  'rate-limited': 'Too many requests',
  unavailable: 'Service unavailable',
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

export class ProblemError extends Error {
  readonly status: number;
  readonly slug: ProblemSlug;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, slug: ProblemSlug, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.name = new.target.name;
    this.status = status;
    this.slug = slug;
    this.headers = headers;
  }
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
