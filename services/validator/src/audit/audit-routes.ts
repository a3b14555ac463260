/**
 * The audit history's API: `GET /v1/audit` (filtered, paged with a keyset cursor in a stable order) and
 * `POST /v1/audit/deletions` (one customer's records erased by serial list, the erasure recorded as an entry of its own). With API
 * keys configured, both need a key with the `audit` scope. With the history off, both answer 404 saying so.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { type AuditFilter, type AuditSink, decodeAuditCursor, deleteCustomerRecords, encodeAuditCursor } from '@jpki-validator/audit';
import { formatSerial, parseSerial, SerialError } from '@jpki-validator/x509';
import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { ProblemError } from '../problem.js';
import { problemSpec } from '../schemas.js';
import type { AuditRecorder } from './audit-recorder.js';
import {
  AuditCountQuerySchema,
  AuditCountSchema,
  AuditDeletionRequestSchema,
  AuditDeletionSchema,
  AuditPageSchema,
  AuditQuerySchema,
} from './audit-schemas.js';

export const auditQueryRoute = createRoute({
  method: 'get',
  path: '/v1/audit',
  operationId: 'listAuditRecords',
  tags: ['audit'],
  summary: 'Search the audit history: one record per answer given',
  description:
    'Filters combine (AND). Pages come in a stable order (time, then id): pass `next` as `cursor` for the page after. ' +
    'With API keys configured, the key needs the `audit` scope.',
  security: [{ ApiKey: [] }],
  request: { query: AuditQuerySchema },
  responses: {
    200: { description: 'a page of records', content: { 'application/json': { schema: AuditPageSchema } } },
    400: problemSpec('a bad serial, time, limit or cursor'),
    401: problemSpec('missing or invalid API key'),
    403: problemSpec('the key lacks the `audit` scope'),
    404: problemSpec('the audit history is off'),
    503: problemSpec('the audit database does not answer'),
  },
});

export const auditCountRoute = createRoute({
  method: 'get',
  path: '/v1/audit/count',
  operationId: 'countAuditRecords',
  tags: ['audit'],
  summary: 'How many records match (the same filters as GET /v1/audit)',
  security: [{ ApiKey: [] }],
  request: { query: AuditCountQuerySchema },
  responses: {
    200: { description: 'the count', content: { 'application/json': { schema: AuditCountSchema } } },
    400: problemSpec('a bad serial or time'),
    401: problemSpec('missing or invalid API key'),
    403: problemSpec('the key lacks the `audit` scope'),
    404: problemSpec('the audit history is off'),
    503: problemSpec('the audit database does not answer'),
  },
});

export const auditDeletionRoute = createRoute({
  method: 'post',
  path: '/v1/audit/deletions',
  operationId: 'deleteAuditRecords',
  tags: ['audit'],
  summary: "Erase one customer's records (by serial list), recording the erasure itself",
  description:
    'Every record of the serials (of `issuer`, when given) is deleted and an entry with route `audit.delete` is written in the same ' +
    'transaction: who, when, why, how many, and the SHA-256 of the serial list (not the serials). This process first ships what its ' +
    'journal holds, so records of answers given before the request are erased too.',
  security: [{ ApiKey: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: AuditDeletionRequestSchema } } } },
  responses: {
    200: { description: 'what was erased', content: { 'application/json': { schema: AuditDeletionSchema } } },
    400: problemSpec('a bad serial'),
    401: problemSpec('missing or invalid API key'),
    403: problemSpec('the key lacks the `audit` scope'),
    404: problemSpec('the audit history is off'),
    503: problemSpec('the audit database does not answer'),
  },
});

export interface AuditRoutesDeps {
  /** the main thread's own connection to the history (the worker ships through another); null: the history is off */
  sink: AuditSink | null;
  recorder: AuditRecorder | null;
}

function allowed(c: Context<AppEnv>): void {
  const scopes = c.get('apiScopes');
  // keys configured: the key must carry `audit`; no keys: no key is asked for anywhere
  if (c.get('apiKeyId') !== null && scopes?.has('audit') !== true)
    throw new ProblemError(403, 'forbidden', 'the audit history needs an API key with the `audit` scope (API_KEYS `key:audit`)');
}

function historyOf(deps: AuditRoutesDeps): AuditSink {
  if (deps.sink === null)
    throw new ProblemError(404, 'not-found', 'the audit history is off: configure `audit:` or AUDIT_DATABASE_URL to turn it on');
  return deps.sink;
}

function serialOf(text: string, field: string): string {
  try {
    return formatSerial(parseSerial(text));
  } catch (error) {
    if (error instanceof SerialError) throw new ProblemError(400, 'malformed-serial', `${field}: ${error.message}`);
    throw error;
  }
}

function timeOf(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || !Number.isFinite(ms))
    throw new ProblemError(400, 'bad-request', `${field}: "${text.slice(0, 40)}" is not an RFC 3339 time`);
  return ms;
}

/** the filters a query names, checked and in the history's forms */
function filterOf(query: {
  serial?: string | undefined;
  issuer?: string | undefined;
  purpose?: string | undefined;
  result?: string | undefined;
  route?: string | undefined;
  apiKeyId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}): AuditFilter {
  const fromMs = timeOf(query.from, 'from');
  const toMs = timeOf(query.to, 'to');
  return {
    ...(query.serial !== undefined ? { serial: serialOf(query.serial, 'serial') } : {}),
    ...(query.issuer !== undefined ? { issuer: query.issuer } : {}),
    ...(query.purpose !== undefined ? { purpose: query.purpose } : {}),
    ...(query.result !== undefined ? { result: query.result } : {}),
    ...(query.route !== undefined ? { route: query.route } : {}),
    ...(query.apiKeyId !== undefined ? { apiKeyId: query.apiKeyId } : {}),
    ...(fromMs !== undefined ? { fromMs } : {}),
    ...(toMs !== undefined ? { toMs } : {}),
  };
}

export function registerAuditRoutes(app: OpenAPIHono<AppEnv>, deps: AuditRoutesDeps): void {
  app.openapi(auditCountRoute, async (c) => {
    allowed(c);
    const sink = historyOf(deps);
    return c.json({ count: await sink.count(filterOf(c.req.valid('query'))) }, 200);
  });

  app.openapi(auditQueryRoute, async (c) => {
    allowed(c);
    const sink = historyOf(deps);
    const query = c.req.valid('query');
    const filter = filterOf(query);
    let after: ReturnType<typeof decodeAuditCursor> | undefined;
    try {
      after = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor);
    } catch {
      throw new ProblemError(400, 'bad-request', 'cursor: not a cursor this service gave (pass `next` from a page as it is)');
    }
    const page = await sink.query({
      ...filter,
      ...(query.order !== undefined ? { order: query.order } : {}),
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(after !== undefined ? { after } : {}),
    });
    return c.json({ records: page.rows, next: page.next === null ? null : encodeAuditCursor(page.next) }, 200);
  });

  app.openapi(auditDeletionRoute, async (c) => {
    allowed(c);
    const sink = historyOf(deps);
    const body = c.req.valid('json');
    const serials = body.serials.map((s, i) => serialOf(s, `serials.${i}`));
    // records of answers this process gave before now are shipped first, so the erasure reaches them
    if (deps.recorder !== null && !(await deps.recorder.log.drain(10_000)))
      throw new ProblemError(503, 'unavailable', 'the audit database does not take the journal now: nothing was erased; try again');
    const result = await deleteCustomerRecords(sink, {
      serials,
      issuer: body.issuer ?? null,
      requestedBy: c.get('apiKeyId') ?? null,
      reason: body.reason ?? null,
      requestId: c.get('requestId'),
    });
    c.get('log')().info(
      { audit: 'deletion', deleted: result.deleted, serials: result.serials, listSha256: result.listSha256 },
      'audit records erased',
    );
    return c.json(result, 200);
  });
}
