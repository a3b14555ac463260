/**
 * A client that closes its connection before its request body ended is not a fault of the server: one line at info (the access
 * line), no stack, no "unhandled error". Node reports it as `Error: aborted` (ECONNRESET) from the body stream; the direct body
 * read (request-body.ts) as ClientClosedError.
 */
import type { IncomingMessage } from 'node:http';
import { JpkiValidatorError } from '@jpki-validator/errors';

/** The request's body was cut off by its own client (a usage matter: nothing failed here). */
export class ClientClosedError extends JpkiValidatorError<'CLIENT_CLOSED'> {
  constructor(message = 'the client closed the connection before the request body ended') {
    super('CLIENT_CLOSED', 'usage', message);
  }
}

const ABORT_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

/** @hono/node-server's IncomingMessage for this request (`c.env.incoming`), when served by Node */
function incomingOf(env: unknown): IncomingMessage | undefined {
  return typeof env === 'object' && env !== null && 'incoming' in env ? (env.incoming as IncomingMessage | undefined) : undefined;
}

/**
 * Whether `error` is the request's own connection going away: a ClientClosedError, or a connection error while this request's
 * incoming stream is destroyed (an ECONNRESET from Redis or a responder leaves the request's stream alive, and stays an error).
 */
export function isClientClosed(error: unknown, env: unknown): boolean {
  if (error instanceof ClientClosedError) return true;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (!ABORT_CODES.has(code)) return false;
  const incoming = incomingOf(env);
  return incoming !== undefined && (incoming.destroyed || incoming.socket?.destroyed === true);
}
