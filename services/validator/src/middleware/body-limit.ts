/**
 * Body size limits (413 problem+json) for JSON bodies. NDJSON batches are exempt: they stream without a size limit (docs/api.md, "Batches").
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env.js';
import { ProblemError } from '../problem.js';

export const isNdjson = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^application\/(x-)?ndjson\b/i.test(contentType);

export function jsonBodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ProblemError(413, 'payload-too-large', `request body over ${maxBytes} bytes`);
    },
  });
  return async (c, next) => {
    if (isNdjson(c.req.header('content-type'))) return next();
    // A declared length is checked here, as hono/body-limit would check it, but without touching `c.req.raw.body`: under
    // @hono/node-server that getter turns the body into a web stream, and every later read of it (c.req.json(), arrayBuffer())
    // then goes chunk by chunk through promises instead of Node's direct read — measured at several times the cost on a 0.5 MB
    // batch. Bodies without a length (chunked) still go through hono/body-limit, which counts them as they stream.
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined && /^\d+$/.test(length)) {
      if (Number(length) > maxBytes) throw new ProblemError(413, 'payload-too-large', `request body over ${maxBytes} bytes`);
      return next();
    }
    return limit(c, next);
  };
}
