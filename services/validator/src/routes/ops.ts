/** Operations endpoints: liveness, readiness, Prometheus metrics, the OpenAPI document and its browsable page. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { OcspChecker, StatusResolver } from '@jpki-validator/status';
import type { DataLossNotice } from '@jpki-validator/store';
import { DOCS_ASSETS, DOCS_HTML, docsAsset } from '../docs-page.js';
import type { AppEnv } from '../env.js';
import type { ValidatorMetrics } from '../metrics.js';
import { ProblemError } from '../problem.js';
import { judgeReadiness } from '../readiness.js';
import { problemSpec, ReadinessSchema } from '../schemas.js';

/** the document's `info` and `servers` (scripts/docs.ts renders docs/api.md from the same document) */
export const OPENAPI_HEAD: {
  openapi: string;
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
} = {
  openapi: '3.1.0',
  info: {
    title: 'jpki-validator',
    version: '0.1.0',
    description:
      'Is this My Number Card (JPKI) certificate still good — and if not, why. Errors are RFC 9457 problem+json. ' +
      'With API keys configured, every `/v1` route needs `X-API-Key`; the operations routes never do.',
  },
  // relative: the validator that serves this document (a proxy may mount it under a path prefix)
  servers: [{ url: '/', description: 'the validator serving this document' }],
};

// Node's HTTP parser refuses a request whose line and headers are over its limit before any route sees it (client-errors.ts)
const headerTooLarge = { 431: problemSpec('request line and headers over the server limit') };
const open = { tags: ['operations'], security: [] };

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  ...open,
  summary: 'Alive: 200 while the process runs',
  responses: {
    200: {
      description: 'alive',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
    },
    ...headerTooLarge,
  },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  ...open,
  summary: 'Ready when the store answers and every issuer has a fresh CRL or a reachable OCSP responder',
  responses: {
    200: { description: 'ready', content: { 'application/json': { schema: ReadinessSchema } } },
    431: headerTooLarge[431],
    503: { description: 'not ready, with the reasons', content: { 'application/json': { schema: ReadinessSchema } } },
  },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  ...open,
  summary: 'Prometheus metrics (text exposition format 0.0.4)',
  description: 'Every name starts `jpki_validator_`; `jpki-validator start` serves the fetcher and the watch job here too.',
  responses: {
    200: { description: 'the metrics', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: z.string() } } },
    ...headerTooLarge,
  },
});

const documentRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  ...open,
  summary: 'This OpenAPI 3.1 document',
  responses: {
    200: { description: 'the document', content: { 'application/json': { schema: z.object({}).passthrough() } } },
    ...headerTooLarge,
  },
});

const docsRoute = createRoute({
  method: 'get',
  path: '/docs',
  operationId: 'getDocsPage',
  ...open,
  summary: 'This document, browsable (Swagger UI served by the validator itself: works offline)',
  responses: {
    200: { description: 'the page', content: { 'text/html; charset=utf-8': { schema: z.string() } } },
    ...headerTooLarge,
  },
});

const docsAssetRoute = createRoute({
  method: 'get',
  path: '/docs/assets/{file}',
  operationId: 'getDocsAsset',
  ...open,
  summary: "A file of the /docs page (Swagger UI's script and style sheet)",
  request: {
    params: z.object({
      file: z.enum(Object.keys(DOCS_ASSETS) as [string, ...string[]]).openapi({ param: { name: 'file', in: 'path' } }),
    }),
  },
  responses: {
    200: { description: 'the file', content: { 'application/octet-stream': { schema: z.string() } } },
    400: problemSpec('not a file of the page'),
    ...headerTooLarge,
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
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));
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
  // declared for the document, routed plainly: their bodies are not JSON (the typed handler would insist on its schema)
  for (const route of [metricsRoute, docsRoute, docsAssetRoute]) app.openAPIRegistry.registerPath(route);
  app.get(metricsRoute.path, async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { 'content-type': deps.metrics.registry.contentType });
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  app.doc31(documentRoute.path, OPENAPI_HEAD);
  // doc31 serves the document; this declares it (registerPath documents without routing twice)
  app.openAPIRegistry.registerPath(documentRoute);
  app.get(docsRoute.path, (c) => c.html(DOCS_HTML));
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const bytes = docsAsset(file);
    if (bytes === null) throw new ProblemError(400, 'bad-request', `${file}: not a file of the /docs page`);
    return c.body(await bytes, 200, {
      'content-type': DOCS_ASSETS[file] ?? 'application/octet-stream',
      'cache-control': 'public, max-age=86400',
    });
  });
}
