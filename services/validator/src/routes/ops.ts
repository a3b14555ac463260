/** Operations endpoints: liveness, readiness, Prometheus metrics, the OpenAPI document and its browsable page. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import type { OcspChecker, StatusResolver } from '@jpki-validator/status';
import type { DataLossNotice } from '@jpki-validator/store';
import type { AppEnv } from '../env.js';
import type { ValidatorMetrics } from '../metrics.js';
import { judgeReadiness } from '../readiness.js';
import { ReadinessSchema } from '../schemas.js';

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'Ready when the store answers and every issuer has a fresh CRL or a reachable OCSP responder',
  responses: {
    200: { description: 'ready', content: { 'application/json': { schema: ReadinessSchema } } },
    503: { description: 'not ready, with the reasons', content: { 'application/json': { schema: ReadinessSchema } } },
  },
});

export function registerOpsRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: {
    resolver: StatusResolver;
    ocsp: OcspChecker | null;
    probeStore: () => Promise<boolean>;
    storeDataLoss?: () => readonly DataLossNotice[];
    draining?: () => boolean;
    metrics: ValidatorMetrics;
  },
): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.openapi(readyRoute, async (c) => {
    const readiness = await judgeReadiness(
      deps.resolver,
      deps.ocsp,
      deps.probeStore,
      deps.storeDataLoss,
      Date.now(),
      deps.draining?.() ?? false,
    );
    return readiness.ready ? c.json(readiness, 200) : c.json(readiness, 503);
  });
  app.get('/metrics', async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { 'content-type': deps.metrics.registry.contentType });
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'jpki-validator',
      version: '0.1.0',
      description: 'Is this My Number Card (JPKI) certificate still good — and if not, why. Errors are RFC 9457 problem+json.',
    },
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json', title: 'jpki-validator API' }));
}
