/**
 * createApp(deps): the validator's HTTP API with no I/O of its own — no config reading, no listening, no connections. Tests call
 * `app.request()` in memory or serve it on a real port; main.ts wires the real dependencies.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { OcspChecker, StatusResolver } from '@jpki-validator/status';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from './env.js';
import { createValidatorMetrics, type ValidatorMetrics } from './metrics.js';
import { apiKeyAuth, createApiKeyGate, type RateLimitOptions } from './middleware/api-key.js';
import { requestContext } from './middleware/request-context.js';
import { problemFor, problemResponse, validationProblem } from './problem.js';
import { registerBatchRoute } from './routes/batch.js';
import { registerIssuersRoute } from './routes/issuers.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerStatusRoute } from './routes/status.js';
import { registerValidateRoute } from './routes/validate.js';
import { createFastPathGate } from './fast-path/middleware-gate.js';
import { createStatusFastPath } from './fast-path/status-fast-path.js';

export interface AppDeps {
  resolver: StatusResolver;
  ocsp: OcspChecker | null;
  /** whether the store answers now (Redis PING; the embedded store: once opened) */
  probeStore: () => Promise<boolean>;
  logger: Logger;
  /** plain keys from the config; only their hashes are kept. Empty: no authentication */
  apiKeys?: readonly string[];
  /** per API key (default 1 000 requests/s, burst 2 000) */
  rateLimit?: RateLimitOptions;
  /** JSON batch body limit (default 4 MiB) */
  maxBatchBytes?: number;
  /** /v1/validate body limit (default 64 KiB) */
  maxValidateBytes?: number;
  metrics?: ValidatorMetrics;
  now?: () => number;
  /**
   * middleware for every path, run after the request context and before API keys (CORS, security headers, …). The status fast
   * path does not repeat them: with any, the status GET takes the routed path.
   */
  middleware?: readonly MiddlewareHandler<AppEnv>[];
}

export interface ValidatorApp {
  app: OpenAPIHono<AppEnv>;
  metrics: ValidatorMetrics;
}

export function createApp(deps: AppDeps): ValidatorApp {
  const metrics = deps.metrics ?? createValidatorMetrics(deps.resolver, deps.ocsp);
  const now = deps.now ?? Date.now;
  const app = new OpenAPIHono<AppEnv>({
    // schema failures become problem+json 400s naming the field
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(result.error.issues);
    },
  });

  const apiKeys =
    deps.apiKeys && deps.apiKeys.length > 0
      ? createApiKeyGate(deps.apiKeys, deps.rateLimit ?? { requestsPerSecond: 1_000, burst: 2_000 }, now)
      : null;
  // what the status fast path stands in for: these two middleware and the status route's own handler (fast-path/middleware-gate.ts)
  const standsInFor = { middleware: new Set<unknown>(), route: new Set<unknown>() };
  const context = requestContext(deps.logger, metrics);
  standsInFor.middleware.add(context);
  app.use('*', context);
  for (const middleware of deps.middleware ?? []) app.use('*', middleware);
  if (apiKeys !== null) {
    const keyCheck = apiKeyAuth(apiKeys);
    standsInFor.middleware.add(keyCheck);
    app.use('/v1/*', keyCheck);
  }
  const beforeStatusRoute = app.routes.length;
  registerStatusRoute(app, deps.resolver, metrics);
  for (const route of app.routes.slice(beforeStatusRoute)) standsInFor.route.add(route.handler);
  registerBatchRoute(app, deps.resolver, metrics, deps.maxBatchBytes ?? 4 * 2 ** 20);
  registerValidateRoute(app, deps.resolver, metrics, deps.maxValidateBytes ?? 64 * 2 ** 10);
  registerIssuersRoute(app, deps.resolver, deps.ocsp, now);
  registerOpsRoutes(app, { resolver: deps.resolver, ocsp: deps.ocsp, probeStore: deps.probeStore, metrics });

  app.notFound((c) => problemResponse(404, 'not-found', `no route for ${c.req.method} ${c.req.path}`, c.get('requestId')));
  app.onError((error, c) => {
    const requestId = c.get('requestId');
    const problem = problemFor(error, requestId);
    if (problem.internal) c.get('log')().error({ err: error }, 'unhandled error');
    return problemResponse(problem.status, problem.slug, problem.detail, requestId, { ...problem.headers });
  });

  // the status GET's synchronous answer in front of the router (status-fast-path.ts says why); `app.request()` calls `app.fetch`
  // too, so the tests exercise the same path a server does
  const gate = createFastPathGate(app, standsInFor, (strangers) =>
    deps.logger.warn({ middleware: strangers }, 'status fast path off: GET /v1/status has middleware it does not repeat'),
  );
  const statusFastPath = createStatusFastPath({ resolver: deps.resolver, metrics, logger: deps.logger, apiKeys, gate });
  const routed = app.fetch;
  app.fetch = (request, env, executionCtx) => statusFastPath(request, env) ?? routed(request, env, executionCtx);
  return { app, metrics };
}
