/**
 * createApp(deps): the validator's HTTP API with no I/O of its own — no config reading, no listening, no connections. Tests call
 * `app.request()` in memory or serve it on a real port; main.ts wires the real dependencies.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiKeyConfig } from '@jpki-validator/config';
import { ChallengeStore, type OcspChecker, type StatusResolver } from '@jpki-validator/status';
import type { SmallKv } from '@jpki-validator/store';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { isClientClosed } from './client-closed.js';
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
import { createLabeller, type LabelOptions } from './meaning-labels.js';
import { registerVerifyRoute } from './routes/verify.js';
import { registerChallengesRoute } from './routes/challenges.js';
import type { PersonalDetailsAudit } from './personal-audit.js';
import { createFastPathGate } from './fast-path/middleware-gate.js';
import { createStatusFastPath } from './fast-path/status-fast-path.js';
import type { DataLossLog } from './store-link.js';
import type { AuditSink } from '@jpki-validator/audit';
import type { AuditRecorder } from './audit/audit-recorder.js';
import { registerAuditRoutes } from './audit/audit-routes.js';
import { registerAuditMetrics } from './audit/audit-metrics.js';
import { OPEN_PURPOSES, type PurposePolicy } from './audit/purpose.js';
import type { RouteAudit } from './audit/route-audit.js';
import { registerConsole } from './console/console-routes.js';
import type { OpsRoom } from '@jpki-validator/store';
import { BUILT_IN_LABELS } from '@jpki-validator/config';

export interface AppDeps {
  resolver: StatusResolver;
  ocsp: OcspChecker | null;
  /** whether the store answers now (Redis PING; the embedded store: once opened) */
  probeStore: () => Promise<boolean>;
  /** the store's data losses this validator noticed (/readyz lists them, /metrics counts them) */
  storeDataLoss?: DataLossLog;
  /** true once the process is shutting down: /readyz turns 503 so a balancer stops routing here while requests still drain */
  draining?: () => boolean;
  logger: Logger;
  /** keys from the config (plain, or with scopes); only their hashes are kept. Empty: no authentication */
  apiKeys?: readonly (string | ApiKeyConfig)[];
  /** per API key (default 1 000 requests/s, burst 2 000) */
  /** each API key's token bucket; null: none (config `rateLimit: false`); absent: 1,000 a second, bursts of 2,000 */
  rateLimit?: RateLimitOptions | null;
  /** JSON batch body limit (default 4 MiB) */
  maxBatchBytes?: number;
  /** /v1/validate body limit (default 64 KiB) */
  maxValidateBytes?: number;
  /** /v1/verify body limit (default 8 MiB: documents travel inline as base64; send digests for larger ones) */
  maxVerifyBytes?: number;
  /** the store's key-value room: where login challenges are kept (null: /v1/challenges answers 503) */
  kv?: SmallKv | null;
  /** told by /v1/verify whether the JPKI 4 basic details were shown (default: a request log line) */
  personalAudit?: PersonalDetailsAudit;
  metrics?: ValidatorMetrics;
  now?: () => number;
  /** meaning labels (the config's profile): default the built-in ones, given only when a request asks */
  labels?: LabelOptions;
  /** the audit history (audit/); absent: off, and /v1/audit answers 404 */
  audit?: AppAudit;
  /**
   * middleware for every path, run after the request context and before API keys (CORS, security headers, …). The status fast
   * path does not repeat them: with any, the status GET takes the routed path.
   */
  middleware?: readonly MiddlewareHandler<AppEnv>[];
  /** what the console (/console) reads besides the resolver: the store's ops history room and kind (absent: no history) */
  console?: { ops: OpsRoom | null; storeKind: 'redis' | 'embedded'; beforeHistoryRead?: () => Promise<void> };
}

export interface AppAudit {
  /** records every answer (null: off) */
  recorder: AuditRecorder | null;
  /** the main thread's connection for /v1/audit (null: off) */
  sink: AuditSink | null;
  /** which `purpose` values are taken (also with the history off, when configured) */
  purposes: PurposePolicy;
}

export interface ValidatorApp {
  app: OpenAPIHono<AppEnv>;
  metrics: ValidatorMetrics;
}

export function createApp(deps: AppDeps): ValidatorApp {
  const metrics =
    deps.metrics ?? createValidatorMetrics(deps.resolver, deps.ocsp, deps.storeDataLoss ? { dataLoss: deps.storeDataLoss } : {});
  const now = deps.now ?? Date.now;
  const app = new OpenAPIHono<AppEnv>({
    // schema failures become problem+json 400s naming the field
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(result.error.issues);
    },
  });

  const apiKeys =
    deps.apiKeys && deps.apiKeys.length > 0
      ? createApiKeyGate(deps.apiKeys, deps.rateLimit === undefined ? { requestsPerSecond: 1_000, burst: 2_000 } : deps.rateLimit, now)
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

  const labelFor = createLabeller(deps.labels);
  const audit: RouteAudit = { recorder: deps.audit?.recorder ?? null, purposes: deps.audit?.purposes ?? OPEN_PURPOSES };
  if (audit.recorder !== null) registerAuditMetrics(metrics.registry, audit.recorder.log);
  const beforeStatusRoute = app.routes.length;
  registerStatusRoute(app, deps.resolver, metrics, labelFor, audit);
  for (const route of app.routes.slice(beforeStatusRoute)) standsInFor.route.add(route.handler);
  registerBatchRoute(app, deps.resolver, metrics, deps.maxBatchBytes ?? 4 * 2 ** 20, labelFor, audit);
  registerValidateRoute(app, deps.resolver, metrics, deps.maxValidateBytes ?? 64 * 2 ** 10, labelFor, audit);
  const challenges = deps.kv ? new ChallengeStore(deps.kv, now) : null;
  registerVerifyRoute(app, {
    resolver: deps.resolver,
    challenges,
    now,
    metrics,
    maxBytes: deps.maxVerifyBytes ?? 8 * 2 ** 20,
    personalAudit: deps.personalAudit ?? null,
    audit,
  });
  registerAuditRoutes(app, { sink: deps.audit?.sink ?? null, recorder: audit.recorder });
  registerChallengesRoute(app, challenges);
  registerIssuersRoute(app, deps.resolver, deps.ocsp, now);
  const dataLoss = deps.storeDataLoss;
  registerOpsRoutes(app, {
    resolver: deps.resolver,
    ocsp: deps.ocsp,
    probeStore: deps.probeStore,
    ...(dataLoss ? { storeDataLoss: () => dataLoss.recent } : {}),
    ...(deps.draining ? { draining: deps.draining } : {}),
    metrics,
  });
  registerConsole(app, {
    resolver: deps.resolver,
    ocsp: deps.ocsp,
    probeStore: deps.probeStore,
    ...(dataLoss ? { storeDataLoss: () => dataLoss.recent } : {}),
    storeKind: deps.console?.storeKind ?? null,
    ops: deps.console?.ops ?? null,
    ...(deps.console?.beforeHistoryRead ? { beforeHistoryRead: deps.console.beforeHistoryRead } : {}),
    now,
    gate: apiKeys,
    meaning: deps.resolver.meaning,
    labels: deps.labels?.labels ?? BUILT_IN_LABELS,
    fetch: (request) => app.fetch(request),
  });

  app.notFound((c) => problemResponse(404, 'not-found', `no route for ${c.req.method} ${c.req.path}`, c.get('requestId')));
  app.onError((error, c) => {
    const requestId = c.get('requestId');
    // the client went away mid-body: its access line (below, at info) is all there is to say
    if (isClientClosed(error, c.env))
      return problemResponse(400, 'bad-request', 'the client closed the connection before the request body ended', requestId);
    const problem = problemFor(error, requestId);
    if (problem.internal) c.get('log')().error({ err: error }, 'unhandled error');
    return problemResponse(problem.status, problem.slug, problem.detail, requestId, { ...problem.headers });
  });

  // the status GET's synchronous answer in front of the router (status-fast-path.ts says why); `app.request()` calls `app.fetch`
  // too, so the tests exercise the same path a server does
  const gate = createFastPathGate(app, standsInFor, (strangers) =>
    deps.logger.warn({ middleware: strangers }, 'status fast path off: GET /v1/status has middleware it does not repeat'),
  );
  const statusFastPath = createStatusFastPath({
    resolver: deps.resolver,
    metrics,
    logger: deps.logger,
    apiKeys,
    gate,
    labelsAlways: deps.labels?.labelLanguage != null,
    audit,
  });
  const routed = app.fetch;
  app.fetch = (request, env, executionCtx) => statusFastPath(request, env) ?? routed(request, env, executionCtx);
  return { app, metrics };
}
