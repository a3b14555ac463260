/**
 * A route's query checked by hand against its declared zod schema, exactly as @hono/zod-openapi's validator would (same input
 * shape, same schema, same 400), for routes whose handler is registered without that validator (routes/status.ts). Requests
 * without a query string skip zod entirely: every field of the query schemas is optional.
 */
import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import { validationProblem } from './problem.js';

/** what hono's `validator('query')` hands to the schema: one string per name, an array when a name repeats */
function queryValues(c: Context): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => (v.length === 1 ? [k, v[0]] : [k, v])));
}

export function validQuery<T>(c: Context, schema: z.ZodType<T>, whenAbsent: T): T {
  if (!c.req.url.includes('?')) return whenAbsent;
  const result = schema.safeParse(queryValues(c));
  if (!result.success) throw validationProblem(result.error.issues);
  return result.data;
}
