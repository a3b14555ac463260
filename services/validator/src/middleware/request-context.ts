/**
 * Request id, access log and request metrics in one middleware. The id comes from a sane `X-Request-Id` or is made here, and is
 * echoed in the response and carried by every log line of the request. Successful status lookups log at debug (tens of thousands
 * a second); everything else at info, server errors at error. URLs are logged as route templates plus the path: a serial is not
 * personal data, a certificate never appears in a URL.
 *
 * Hot path (issue 5's status target): nothing here may cost per request what the lookup itself does not. So `c.get` rather than
 * `c.var` (which copies every variable into a fresh object), no child logger unless a line is actually written at its level,
 * and the `x-request-id` header is left alone when the handler already put it in its response (fast-response.ts): touching
 * `c.res.headers` turns @hono/node-server's plain-object headers into a `Headers` instance for every response.
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { AppEnv } from '../env.js';
import type { ValidatorMetrics } from '../metrics.js';

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export const REQUEST_ID_HEADER = 'x-request-id';

/** the route template the status GET is logged and counted under (routePath's answer for it) */
export const STATUS_ROUTE = '/v1/status/:issuer/:serial';

/** the caller's `X-Request-Id` when it is sane, else a fresh one */
export function requestIdFor(incoming: string | undefined | null): string {
  return incoming !== undefined && incoming !== null && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}

export interface AccessLine {
  method: string;
  route: string;
  path: string;
  status: number;
  seconds: number;
}

/**
 * The access-log decision, shared by the middleware and the status fast path (status-fast-path.ts): server errors at error,
 * successful status lookups at debug, everything else at info. `log` makes the request's child logger only when a line is written.
 */
export function logAccess(logger: Logger, log: () => Logger, line: AccessLine): void {
  const { status } = line;
  if (status >= 500) log().error(accessFields(line), 'request failed');
  else if (status < 400 && line.route.startsWith('/v1/status')) {
    if (logger.isLevelEnabled('debug')) log().debug(accessFields(line), 'request');
  } else if (logger.isLevelEnabled('info')) log().info(accessFields(line), 'request');
}

export function requestContext(logger: Logger, metrics: ValidatorMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const requestId = requestIdFor(c.req.header(REQUEST_ID_HEADER));
    let child: Logger | null = null;
    const log = (): Logger => (child ??= logger.child({ reqId: requestId }));
    c.set('requestId', requestId);
    c.set('log', log);
    c.set('apiKeyId', null);
    c.set('requestIdSent', false);
    const started = performance.now();
    await next();
    if (!c.get('requestIdSent')) c.res.headers.set(REQUEST_ID_HEADER, requestId);
    const status = c.res.status;
    const route = routePath(c, -1);
    const seconds = (performance.now() - started) / 1000;
    metrics.observeRequest(route, c.req.method, status, seconds);
    logAccess(logger, log, { method: c.req.method, route, path: c.req.path, status, seconds });
  };
}

function accessFields(line: AccessLine): Record<string, unknown> {
  return { method: line.method, route: line.route, path: line.path, status: line.status, ms: Math.round(line.seconds * 10_000) / 10 };
}
