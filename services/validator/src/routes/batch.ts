/**
 * `POST /v1/status/batch`: JSON (≤ 10 000 items) or NDJSON streamed both ways.
 *
 * Declared once (batchRoute) for /openapi.json. The handler runs on a twin of that declaration whose JSON body schema accepts
 * any JSON: the same media-type gate, body limit, JSON parsing and query validation, but the 10 000 items are read by hand
 * (batch-items.ts) instead of by zod per item: a bad item is answered in place, and only a body that is not `{"items":[…]}`
 * gets zod's own 400. Before all that, a body in
 * its plain form without a query string is read in place (batch-scan.ts) and answered at once; every other body goes on as
 * described. Answers are written as text by batch-answers.ts. The NDJSON stream is the route's first middleware (its streamed Response is not one the typed JSON route can
 * return); being route middleware rather than `app.use`, it keeps Hono on its RegExpRouter.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { StatusResolver } from '@jpki-validator/status';
import type { Context, MiddlewareHandler } from 'hono';
import { type LabelOf, BatchAnswerer, type BatchAnswers } from '../batch/batch-answers.js';
import { maxItemsIn, scanBatchBody } from '../batch/batch-scan.js';
import { batchItems } from '../batch/batch-items.js';
import { isClientClosed } from '../client-closed.js';
import type { AppEnv } from '../env.js';
import { jsonResponse } from '../fast-path/fast-response.js';
import { JsonBytes } from '../json/json-bytes.js';
import { readIncomingInto, unreadIncoming } from '../request-body.js';
import { ResponseBufferPool } from '../buffers/response-buffers.js';
import { ScratchArrays, scratchBytesFor } from '../buffers/scratch-arrays.js';
import type { ValidatorMetrics } from '../metrics.js';
import { isNdjson, jsonBodyLimit } from '../middleware/body-limit.js';
import { ndjsonAnswerStream } from '../batch/ndjson.js';
import { ProblemError, validationProblem } from '../problem.js';
import { checkOptions } from '../request-options.js';
import { BatchRequestSchema, BatchResponseSchema, MAX_JSON_BATCH_ITEMS, ModeSchema, problemSpec, PurposeQuerySchema } from '../schemas.js';
import { checkedPurpose } from '../audit/purpose.js';
import { askerOf, type RouteAudit } from '../audit/route-audit.js';

export function batchRoute(maxJsonBytes: number) {
  return createRoute({
    method: 'post',
    path: '/v1/status/batch',
    operationId: 'checkStatusBatch',
    tags: ['status'],
    summary: 'Many serials at once: JSON (≤ 10 000 items) or NDJSON streamed both ways',
    description:
      'With `Content-Type: application/x-ndjson`, one item per line in and one answer per line out, streamed, no limit on the ' +
      'number of lines; a line that is not JSON, or longer than 64 KiB, gets `{"line":N,"error":"…"}` (never its content back). ' +
      'A bad item never fails the batch: it gets its `unknown` answer.',
    security: [{ ApiKey: [] }],
    // no `middleware` here: this declaration only documents (registerPath would copy the field into /openapi.json); the twin
    // below carries the body limit
    request: {
      query: z.object({
        at: z
          .string()
          .optional()
          .openapi({ param: { name: 'at', in: 'query' }, description: 'ISO time: the status as of that moment' }),
        mode: ModeSchema.optional().openapi({ param: { name: 'mode', in: 'query' } }),
        purpose: PurposeQuerySchema,
      }),
      body: {
        content: {
          'application/json': { schema: BatchRequestSchema },
          'application/x-ndjson': { schema: z.string().openapi({ description: 'one {"issuer","serial","id"?} object per line' }) },
        },
      },
    },
    responses: {
      200: {
        description: 'answers in input order, `id` echoed',
        content: {
          'application/json': { schema: BatchResponseSchema },
          'application/x-ndjson': { schema: z.string().openapi({ description: 'one answer per line' }) },
        },
      },
      400: problemSpec('malformed body, `at` or `purpose`'),
      401: problemSpec('missing or invalid API key'),
      413: problemSpec(`more than ${MAX_JSON_BATCH_ITEMS} items or ${maxJsonBytes} bytes (use NDJSON)`),
      415: problemSpec('neither JSON nor NDJSON'),
    },
  });
}

export function registerBatchRoute(
  app: OpenAPIHono<AppEnv>,
  resolver: StatusResolver,
  metrics: ValidatorMetrics,
  maxJsonBytes: number,
  labelFor: (acceptLanguage: string | undefined) => LabelOf | null,
  audit: RouteAudit,
): void {
  const answerer = new BatchAnswerer(resolver, metrics.countAnswers);
  const buffers = new ResponseBufferPool();
  const ndjson: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!isNdjson(c.req.header('content-type'))) return next();
    const options = checkOptions(c.req.query('at'), c.req.query('mode'));
    if (options.mode !== undefined && !ModeSchema.safeParse(options.mode).success)
      throw new ProblemError(400, 'bad-request', `mode: "${options.mode}" is not one of ${ModeSchema.options.join(', ')}`);
    const asker = askerOf(c, checkedPurpose(audit.purposes, c.req.query('purpose') || undefined, 'purpose'));
    const recorder = audit.recorder;
    const stream = ndjsonAnswerStream(
      c.req.raw.body,
      answerer,
      options,
      labelFor(c.req.header('accept-language')),
      (error) => {
        if (isClientClosed(error, c.env)) c.get('log')().info('NDJSON batch ended early: the client closed the connection');
        else c.get('log')().error({ err: error }, 'NDJSON batch failed after the response started');
      },
      recorder === null ? undefined : (answers) => recorder.batch(asker, answers),
    );
    return c.body(stream, 200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  };
  // a JSON body in its plain form is scanned in place (batch-scan.ts); any other goes on to the validator and the handler below
  const scanned: MiddlewareHandler<AppEnv> = async (c, next) => {
    const purposeOnly = purposeOnlyQuery(c.req.url);
    if (!isJsonContentType(c.req.header('content-type')) || purposeOnly === null) return next();
    const purpose = checkedPurpose(audit.purposes, purposeOnly || undefined, 'purpose');
    // the body straight from Node into a pooled buffer when it can (request-body.ts), else through the Request
    const unread = unreadIncoming(c.env, c.req.header('content-length'), c.req.header('transfer-encoding'), maxJsonBytes);
    let pooled: Buffer | null = null;
    let body: Uint8Array;
    if (unread === null) body = new Uint8Array(await c.req.arrayBuffer());
    else {
      pooled = buffers.acquire(unread.length);
      body = await readIncomingInto(unread.incoming, pooled, unread.length);
    }
    const scratchBuffer = buffers.acquire(scratchBytesFor(Math.min(MAX_JSON_BATCH_ITEMS, maxItemsIn(body.length))));
    const scratch = new ScratchArrays(scratchBuffer);
    const rows = scanBatchBody(body, MAX_JSON_BATCH_ITEMS, scratch);
    if (rows === null) {
      buffers.release(scratchBuffer);
      // the Request's own stream is spent: the validator and the handler read a copy (as hono/body-limit hands one on)
      if (pooled !== null) {
        c.req.raw = new Request(c.req.raw, { body: body.slice() });
        buffers.release(pooled);
      }
      return next();
    }
    const labelOf = labelFor(c.req.header('accept-language'));
    const answers = await answerer.answerRows(rows, {}, scratch, labelOf);
    audit.recorder?.batch(askerOf(c, purpose), answers);
    const response = answersResponse(c, answers, buffers);
    // the answers are written: nothing reads the body or the columns any more
    if (pooled !== null) buffers.release(pooled);
    buffers.release(scratchBuffer);
    return response;
  };
  const declared = batchRoute(maxJsonBytes);
  app.openAPIRegistry.registerPath(declared);
  const content = declared.request.body.content;
  const handled = createRoute({
    method: declared.method,
    path: declared.path,
    hide: true,
    middleware: [ndjson, jsonBodyLimit(maxJsonBytes), scanned] as const,
    request: {
      query: declared.request.query,
      body: { content: { 'application/json': { schema: z.unknown() }, 'application/x-ndjson': content['application/x-ndjson'] } },
    },
    // the declared route documents the responses; without `content` here the handler may return its own Response (fast-response.ts)
    responses: { 200: { description: 'answers in input order' } },
  });
  app.openapi(handled, async (c) => {
    // in the order the declared route's validators and checks come: body schema, `at`, missing body, item count
    const body = c.req.valid('json');
    const items = isJsonContentType(c.req.header('content-type')) ? (batchItems(body) ?? refuseBody(body)) : null;
    const query = c.req.valid('query');
    const options = checkOptions(query.at, query.mode);
    const purpose = checkedPurpose(audit.purposes, query.purpose || undefined, 'purpose');
    // no JSON content type: the validator left `{}` (a body of another type was refused with 415)
    if (items === null) throw new ProblemError(400, 'bad-request', 'body must be JSON {"items":[…]} or NDJSON');
    if (items.length > MAX_JSON_BATCH_ITEMS) {
      throw new ProblemError(
        413,
        'payload-too-large',
        `${items.length} items; at most ${MAX_JSON_BATCH_ITEMS} per JSON batch (NDJSON has no limit)`,
      );
    }
    const answers = await answerer.answer(items, options, labelFor(c.req.header('accept-language')));
    audit.recorder?.batch(askerOf(c, purpose), answers);
    return answersResponse(c, answers, buffers);
  });
}

/** the URL's `purpose` when it is the whole query ('' without a query), null when the query has anything else */
function purposeOnlyQuery(url: string): string | null {
  const q = url.indexOf('?');
  if (q < 0) return '';
  const m = /^purpose=([^&#%+]*)$/.exec(url.slice(q + 1));
  return m === null ? null : (m[1] as string);
}

function answersResponse(c: Context<AppEnv>, answers: BatchAnswers, buffers: ResponseBufferPool): Response {
  const buffer = buffers.acquire(answers.length * 360 + 16);
  const out = new JsonBytes(buffer);
  out.ascii('{"results":[');
  for (let i = 0; i < answers.length; i++) {
    if (i > 0) out.byte(0x2c);
    answers.writeRow(i, out);
  }
  out.ascii(']}');
  if (out.writesInto(buffer)) buffers.releaseAfter(buffer, outgoingOf(c.env));
  else buffers.release(buffer);
  return jsonResponse(c, out.result());
}

/** @hono/node-server's ServerResponse for this request (`c.env.outgoing`), when served by Node */
function outgoingOf(env: unknown): unknown {
  return typeof env === 'object' && env !== null && 'outgoing' in env ? env.outgoing : undefined;
}

/** a body that is not `{"items":[…]}`: the declared schema's own 400, naming what is wrong */
function refuseBody(body: unknown): never {
  const result = BatchRequestSchema.safeParse(body);
  throw result.success ? new ProblemError(400, 'bad-request', 'body must be JSON {"items":[…]}') : validationProblem(result.error.issues);
}

/** @hono/zod-openapi's test for a JSON media type (its body validator runs only for these) */
const isJsonContentType = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^application\/([a-z-.]+\+)?json/i.test(contentType);
