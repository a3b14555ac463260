/** `GET /v1/status/{issuer}/{serial}`: one status answer from the in-memory generation (OCSP when the policy says so). */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { StatusResolver } from '@jpki-validator/status';
import { parseSerial, SerialError } from '@jpki-validator/x509';
import type { AppEnv } from '../env.js';
import type { ValidatorMetrics } from '../metrics.js';
import { ProblemError } from '../problem.js';
import { checkOptions } from '../request-options.js';
import { problemSpec as problem, StatusAnswerSchema, StatusParamsSchema, StatusQuerySchema } from '../schemas.js';

export const statusRoute = createRoute({
  method: 'get',
  path: '/v1/status/{issuer}/{serial}',
  tags: ['status'],
  summary: 'Revocation status of one certificate serial',
  security: [{ ApiKey: [] }],
  request: { params: StatusParamsSchema, query: StatusQuerySchema },
  responses: {
    200: { description: 'the status answer (unknown with a detail when the service cannot vouch)', content: { 'application/json': { schema: StatusAnswerSchema } } },
    400: problem('malformed serial or `at`'),
    401: problem('missing or invalid API key'),
    404: problem('issuer not configured'),
  },
});

export function registerStatusRoute(app: OpenAPIHono<AppEnv>, resolver: StatusResolver, metrics: ValidatorMetrics): void {
  app.openapi(statusRoute, async (c) => {
    const { issuer, serial: serialText } = c.req.valid('param');
    const query = c.req.valid('query');
    let serial: bigint;
    try {
      serial = parseSerial(serialText);
    } catch (error) {
      if (error instanceof SerialError) throw new ProblemError(400, 'malformed-serial', error.message);
      throw error;
    }
    if (resolver.registry.resolve(issuer) === null) throw new ProblemError(404, 'issuer-unknown', `issuer "${issuer.slice(0, 64)}" is not configured (see GET /v1/issuers)`);
    const answer = await resolver.check(issuer, serial, checkOptions(query.at, query.mode));
    metrics.countAnswer(answer);
    return c.json(answer, 200);
  });
}
