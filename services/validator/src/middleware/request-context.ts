/**
 * Request id, access log and request metrics in one middleware. The id comes from a sane `X-Request-Id` or is made here, and is
 * echoed in the response and carried by every log line of the request. Successful status lookups log at debug (tens of thousands
 * a second); everything else at info, server errors at error. URLs are logged as route templates plus the path: a serial is not
 * personal data, a certificate never appears in a URL.
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { AppEnv } from '../env.js';
import type { ValidatorMetrics } from '../metrics.js';

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestContext(logger: Logger, metrics: ValidatorMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming !== undefined && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    let child: Logger | null = null;
    c.set('requestId', requestId);
    c.set('log', () => (child ??= logger.child({ reqId: requestId })));
    c.set('apiKeyId', null);
    const started = performance.now();
    await next();
    c.res.headers.set('x-request-id', requestId);
    const status = c.res.status;
    const route = routePath(c, -1);
    const seconds = (performance.now() - started) / 1000;
    metrics.observeRequest(route, c.req.method, status, seconds);
    const fields = { method: c.req.method, route, path: c.req.path, status, ms: Math.round(seconds * 10_000) / 10 };
    if (status >= 500) c.var.log().error(fields, 'request failed');
    else if (status < 400 && route.startsWith('/v1/status')) c.var.log().debug(fields, 'request');
    else c.var.log().info(fields, 'request');
  };
}
