/**
 * `POST /v1/verify`: what the card signed, judged in one call — the signature(s), the signer certificate exactly as /v1/validate
 * judges it, and whether its kind fits the purpose. A signature that does not verify is a 200 with `invalid`; only input that
 * cannot be judged is a 400 naming the field. The certificate is never stored or logged; the 4 basic details are given only to
 * a key with the `personal` scope that asks for them, and every answer tells the audit hook whether they were shown.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { CertificateInputError, verifySigned, type VerifyDeps } from '@jpki-validator/status';
import { formatTime, SignatureInputError } from '@jpki-validator/x509';
import type { AppEnv } from '../env.js';
import type { ValidatorMetrics } from '../metrics.js';
import { jsonBodyLimit } from '../middleware/body-limit.js';
import { requestLogAudit, type PersonalDetailsAudit } from '../personal-audit.js';
import { ProblemError } from '../problem.js';
import { checkOptions } from '../request-options.js';
import { problemSpec } from '../schemas.js';
import { checkedPurpose } from '../audit/purpose.js';
import { askerOf, type RouteAudit } from '../audit/route-audit.js';
import { verifyInputOf } from '../verify-input.js';
import { VerifyRequestSchema, VerifyResponseSchema } from '../verify-schemas.js';

export function verifyRoute(maxBytes: number) {
  return createRoute({
    method: 'post',
    path: '/v1/verify',
    operationId: 'verifySignature',
    tags: ['signatures'],
    summary: 'Verify what a card signed: signature(s) or a CMS message, the signer certificate, and the fit of its kind',
    description:
      'One signature (`certificate`, `signature`, `data` or `digest`), several documents (`items`), a CMS SignedData (`cms`), or a ' +
      'login challenge answer (`challengeId`, `signature`). A signature that does not verify is a 200 with `signature: invalid`.',
    security: [{ ApiKey: [] }],
    middleware: [jsonBodyLimit(maxBytes)] as const,
    request: { body: { required: true, content: { 'application/json': { schema: VerifyRequestSchema } } } },
    responses: {
      200: { description: 'the verdicts', content: { 'application/json': { schema: VerifyResponseSchema } } },
      400: problemSpec('input that cannot be judged; the detail names the field'),
      401: problemSpec('missing or invalid API key'),
      413: problemSpec(`body over ${maxBytes} bytes`),
    },
  });
}

export interface VerifyRouteDeps extends VerifyDeps {
  metrics: ValidatorMetrics;
  maxBytes: number;
  /** default: a line on the request's log (personal-audit.ts); with the audit history on, its record as well */
  personalAudit: PersonalDetailsAudit | null;
  audit: RouteAudit;
}

export function registerVerifyRoute(app: OpenAPIHono<AppEnv>, deps: VerifyRouteDeps): void {
  app.openapi(verifyRoute(deps.maxBytes), async (c) => {
    const body = c.req.valid('json');
    const purpose = checkedPurpose(deps.audit.purposes, body.auditPurpose, 'auditPurpose');
    const apiKeyId = c.get('apiKeyId') ?? null;
    const input = verifyInputOf(body, checkOptions(body.at, body.mode), {
      owner: apiKeyId,
      personalAllowed: c.get('apiScopes')?.has('personal') === true,
    });
    let report: Awaited<ReturnType<typeof verifySigned>>;
    try {
      report = await verifySigned(deps, input);
    } catch (error) {
      if (error instanceof SignatureInputError || error instanceof CertificateInputError)
        throw new ProblemError(400, 'bad-request', error.message);
      throw error;
    }
    deps.metrics.countAnswer(report.validation.status);
    // the history's record first: when it cannot be written, the details are not shown (a 500)
    deps.audit.recorder?.verify(askerOf(c, purpose), report);
    const audit = deps.personalAudit ?? requestLogAudit(c.get('log')());
    await audit.record({
      at: formatTime(new Date()),
      requestId: c.get('requestId'),
      apiKeyId,
      route: '/v1/verify',
      requested: report.personal.requested,
      shown: report.personal.included,
      reason: report.personal.reason ?? null,
      caId: report.validation.certificate.caId,
      serial: report.validation.certificate.serial,
    });
    return c.json(report, 200);
  });
}
