/** `POST /v1/validate`: a whole certificate (signature, validity, revocation). The certificate is never stored or logged. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { CertificateInputError, validateCertificate, type StatusResolver } from '@jpki-validator/status';
import { withMeaningLabel, type LabelOf } from '../batch-answers.js';
import type { AppEnv } from '../env.js';
import type { ValidatorMetrics } from '../metrics.js';
import { jsonBodyLimit } from '../middleware/body-limit.js';
import { ProblemError } from '../problem.js';
import { checkOptions } from '../request-options.js';
import { problemSpec, ValidateRequestSchema, ValidateResponseSchema } from '../schemas.js';
import { checkedPurpose } from '../audit/purpose.js';
import { askerOf, type RouteAudit } from '../audit/route-audit.js';

export function validateRoute(maxBytes: number) {
  return createRoute({
    method: 'post',
    path: '/v1/validate',
    operationId: 'validateCertificate',
    tags: ['certificates'],
    summary: 'Validate a certificate: signature against the trusted CA, validity period, then revocation',
    security: [{ ApiKey: [] }],
    middleware: [jsonBodyLimit(maxBytes)] as const,
    request: { body: { required: true, content: { 'application/json': { schema: ValidateRequestSchema } } } },
    responses: {
      200: { description: 'the verdict', content: { 'application/json': { schema: ValidateResponseSchema } } },
      400: problemSpec('not a certificate, or a bad `at`'),
      401: problemSpec('missing or invalid API key'),
      413: problemSpec(`body over ${maxBytes} bytes`),
    },
  });
}

export function registerValidateRoute(
  app: OpenAPIHono<AppEnv>,
  resolver: StatusResolver,
  metrics: ValidatorMetrics,
  maxBytes: number,
  labelFor: (acceptLanguage: string | undefined) => LabelOf | null,
  audit: RouteAudit,
): void {
  app.openapi(validateRoute(maxBytes), async (c) => {
    const body = c.req.valid('json');
    const purpose = checkedPurpose(audit.purposes, body.auditPurpose, 'auditPurpose');
    try {
      const report = await validateCertificate(resolver, body.certificate, checkOptions(body.at, body.mode));
      metrics.countAnswer(report.status);
      audit.recorder?.validation(askerOf(c, purpose), report);
      return c.json({ ...report, status: withMeaningLabel(report.status, labelFor(c.req.header('accept-language'))) }, 200);
    } catch (error) {
      if (error instanceof CertificateInputError) throw new ProblemError(400, 'bad-request', error.message);
      throw error;
    }
  });
}
