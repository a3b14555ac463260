/** `POST /v1/status/batch`: JSON (≤ 10 000 items) or NDJSON streamed both ways. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { StatusResolver } from '@jpki-validator/status';
import type { AppEnv } from '../env.js';
import type { ValidatorMetrics } from '../metrics.js';
import { isNdjson, jsonBodyLimit } from '../middleware/body-limit.js';
import { ndjsonAnswerStream } from '../ndjson.js';
import { ProblemError } from '../problem.js';
import { checkOptions } from '../request-options.js';
import { BatchRequestSchema, BatchResponseSchema, MAX_JSON_BATCH_ITEMS, ModeSchema, problemSpec } from '../schemas.js';

export function batchRoute(maxJsonBytes: number) {
  return createRoute({
    method: 'post',
    path: '/v1/status/batch',
    tags: ['status'],
    summary: 'Many serials at once: JSON (≤ 10 000 items) or NDJSON streamed both ways',
    description:
      'With `Content-Type: application/x-ndjson`, one item per line in and one answer per line out, streamed, no size limit; a line ' +
      'that is not JSON gets `{"line":N,"error":"…"}`. A bad item never fails the batch: it gets its `unknown` answer.',
    security: [{ ApiKey: [] }],
    middleware: [jsonBodyLimit(maxJsonBytes)] as const,
    request: {
      query: z.object({
        at: z.string().optional().openapi({ param: { name: 'at', in: 'query' } }),
        mode: ModeSchema.optional().openapi({ param: { name: 'mode', in: 'query' } }),
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
      400: problemSpec('malformed body or `at`'),
      401: problemSpec('missing or invalid API key'),
      413: problemSpec(`more than ${MAX_JSON_BATCH_ITEMS} items or ${maxJsonBytes} bytes (use NDJSON)`),
      415: problemSpec('neither JSON nor NDJSON'),
    },
  });
}

export function registerBatchRoute(app: OpenAPIHono<AppEnv>, resolver: StatusResolver, metrics: ValidatorMetrics, maxJsonBytes: number): void {
  // NDJSON first, as middleware: its streamed Response is not one the typed JSON route can return; the route below documents both
  app.use('/v1/status/batch', async (c, next) => {
    if (c.req.method !== 'POST' || !isNdjson(c.req.header('content-type'))) return next();
    const options = checkOptions(c.req.query('at'), c.req.query('mode'));
    if (options.mode !== undefined && !ModeSchema.safeParse(options.mode).success) throw new ProblemError(400, 'bad-request', `mode: "${options.mode}" is not one of ${ModeSchema.options.join(', ')}`);
    const stream = ndjsonAnswerStream(c.req.raw.body, resolver, options, metrics.countAnswer, (error) => {
      c.var.log().error({ err: error }, 'NDJSON batch failed after the response started');
    });
    return c.body(stream, 200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  });
  app.openapi(batchRoute(maxJsonBytes), async (c) => {
    const query = c.req.valid('query');
    const options = checkOptions(query.at, query.mode);
    const body = c.req.valid('json');
    if (typeof body === 'string' || body.items === undefined) throw new ProblemError(400, 'bad-request', 'body must be JSON {"items":[…]} or NDJSON');
    const { items } = body;
    if (items.length > MAX_JSON_BATCH_ITEMS) {
      throw new ProblemError(413, 'payload-too-large', `${items.length} items; at most ${MAX_JSON_BATCH_ITEMS} per JSON batch (NDJSON has no limit)`);
    }
    const answers = await resolver.checkMany(items, options);
    const results = answers.map((answer, i) => {
      metrics.countAnswer(answer);
      const id = items[i]?.id;
      return id === undefined ? answer : { ...answer, id };
    });
    return c.json({ results }, 200);
  });
}
