/**
 * `GET /v1/status/{issuer}/{serial}`: one status answer from the in-memory generation (OCSP when the policy says so).
 *
 * The route is declared once (below) for /openapi.json, but its handler is registered without @hono/zod-openapi's per-request
 * validators, the hot path's largest avoidable cost after the socket write: the path parameters cannot be empty (the router
 * matches `[^/]+`) and the serial is checked by parseSerial anyway, and the query goes through the same zod schema only when
 * the URL has one (query.ts) — same checks, same 400s.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { partitionNamed, type StatusResolver } from '@jpki-validator/status';
import { parseSerial, SerialError } from '@jpki-validator/x509';
import { withMeaningLabel, type LabelOf } from '../batch-answers.js';
import type { AppEnv } from '../env.js';
import { jsonResponse } from '../fast-response.js';
import type { ValidatorMetrics } from '../metrics.js';
import { STATUS_ROUTE } from '../middleware/request-context.js';
import { checkedPurpose } from '../audit/purpose.js';
import { askerOf, type RouteAudit } from '../audit/route-audit.js';
import { ProblemError } from '../problem.js';
import { validQuery } from '../query.js';
import { checkOptions } from '../request-options.js';
import { problemSpec as problem, StatusAnswerSchema, StatusParamsSchema, StatusQuerySchema } from '../schemas.js';

export const statusRoute = createRoute({
  method: 'get',
  path: '/v1/status/{issuer}/{serial}',
  operationId: 'getStatus',
  tags: ['status'],
  summary: 'Revocation status of one certificate serial',
  security: [{ ApiKey: [] }],
  request: { params: StatusParamsSchema, query: StatusQuerySchema },
  responses: {
    200: {
      description: 'the status answer (unknown with a detail when the service cannot vouch)',
      content: { 'application/json': { schema: StatusAnswerSchema } },
    },
    400: problem('malformed serial, `at` or `purpose`, or a `partition` the issuer does not have'),
    401: problem('missing or invalid API key'),
    404: problem('issuer not configured'),
  },
});

const NO_QUERY: { at?: string | undefined; mode?: string | undefined; partition?: string | undefined; purpose?: string | undefined } =
  Object.freeze({});

export function registerStatusRoute(
  app: OpenAPIHono<AppEnv>,
  resolver: StatusResolver,
  metrics: ValidatorMetrics,
  labelFor: (acceptLanguage: string | undefined) => LabelOf | null,
  audit: RouteAudit,
): void {
  app.openAPIRegistry.registerPath(statusRoute);
  app.get(STATUS_ROUTE, async (c) => {
    const issuer = c.req.param('issuer');
    const serialText = c.req.param('serial');
    const query = validQuery(c, StatusQuerySchema, NO_QUERY);
    // an empty `purpose=` counts as none, as on the fast path
    const purpose = checkedPurpose(audit.purposes, query.purpose || undefined, 'purpose');
    let serial: bigint;
    try {
      serial = parseSerial(serialText);
    } catch (error) {
      if (error instanceof SerialError) throw new ProblemError(400, 'malformed-serial', error.message);
      throw error;
    }
    const cas = resolver.registry.resolve(issuer);
    if (cas === null)
      throw new ProblemError(404, 'issuer-unknown', `issuer "${issuer.slice(0, 64)}" is not configured (see GET /v1/issuers)`);
    const options = checkOptions(query.at, query.mode);
    if (query.partition !== undefined) {
      // a partition the issuer does not have would silently fall back to the whole-issuer rule: say so instead
      if (!partitionNamed(cas, query.partition))
        throw new ProblemError(
          400,
          'bad-request',
          `partition: "${query.partition.slice(0, 64)}" is not a configured partition of issuer "${issuer.slice(0, 64)}" (see GET /v1/issuers?partitions=all)`,
        );
      options.partition = query.partition;
    }
    const answer = await resolver.check(issuer, serial, options);
    metrics.countAnswer(answer);
    audit.recorder?.status(askerOf(c, purpose), answer);
    return jsonResponse(c, JSON.stringify(withMeaningLabel(answer, labelFor(c.req.header('accept-language')))));
  });
}
