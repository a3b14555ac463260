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
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { AppEnv } from '../env.js';
import type { ValidatorMetrics } from '../metrics.js';

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export const REQUEST_ID_HEADER = 'x-request-id';

export function requestContext(logger: Logger, metrics: ValidatorMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const requestId = incoming !== undefined && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    let child: Logger | null = null;
    c.set('requestId', requestId);
    c.set('log', () => (child ??= logger.child({ reqId: requestId })));
    c.set('apiKeyId', null);
    c.set('requestIdSent', false);
    const started = performance.now();
    await next();
    if (!c.get('requestIdSent')) c.res.headers.set(REQUEST_ID_HEADER, requestId);
    const status = c.res.status;
    const route = routePath(c, -1);
    const seconds = (performance.now() - started) / 1000;
    metrics.observeRequest(route, c.req.method, status, seconds);
    if (status >= 500) c.get('log')().error(accessFields(c, route, status, seconds), 'request failed');
    else if (status < 400 && route.startsWith('/v1/status')) {
      if (logger.isLevelEnabled('debug')) c.get('log')().debug(accessFields(c, route, status, seconds), 'request');
    } else if (logger.isLevelEnabled('info')) c.get('log')().info(accessFields(c, route, status, seconds), 'request');
  };
}

function accessFields(c: Context<AppEnv>, route: string, status: number, seconds: number): Record<string, unknown> {
  return { method: c.req.method, route, path: c.req.path, status, ms: Math.round(seconds * 10_000) / 10 };
}
