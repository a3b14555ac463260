/**
 * Responses for the hot paths (the single status GET, the JSON batch), built from JSON text or UTF-8 the handler made itself, with plain
 * object headers that already carry the request id. @hono/node-server writes such a response straight to the socket; Hono's
 * `c.json` with a second header (or any later `res.headers` access) goes through a WHATWG `Headers` object per response instead.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { REQUEST_ID_HEADER } from '../middleware/request-context.js';

export function jsonResponse(c: Context<AppEnv>, json: string | Uint8Array, status = 200): Response {
  c.set('requestIdSent', true);
  return jsonWithRequestId(json, c.get('requestId'), status);
}

/** the same response outside a Hono context (status-fast-path.ts) */
export function jsonWithRequestId(json: string | Uint8Array, requestId: string, status = 200): Response {
  return new Response(json, { status, headers: { 'Content-Type': 'application/json', [REQUEST_ID_HEADER]: requestId } });
}
