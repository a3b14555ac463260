/**
 * Body size limits (413 problem+json) for JSON bodies. NDJSON batches are exempt: they stream without a size limit (CONTRACT).
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env.js';
import { ProblemError } from '../problem.js';

export const isNdjson = (contentType: string | undefined): boolean => contentType !== undefined && /^application\/(x-)?ndjson\b/i.test(contentType);

export function jsonBodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ProblemError(413, 'payload-too-large', `request body over ${maxBytes} bytes`);
    },
  });
  return async (c, next) => {
    if (isNdjson(c.req.header('content-type'))) return next();
    return limit(c, next);
  };
}
