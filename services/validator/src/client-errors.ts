/**
 * What Node's HTTP parser refuses before any route sees the request — a malformed Content-Length, request headers (or a URL) over
 * Node's header limit, a request that does not arrive in time — answered as problem+json like every other error of the API,
 * instead of Node's bare `HTTP/1.1 400 Bad Request` without a body. Nothing of the request is echoed.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { PROBLEM_CONTENT_TYPE, problemBody, type ProblemSlug } from './problem.js';
import { REQUEST_ID_HEADER } from './middleware/request-context.js';

interface Refusal {
  status: number;
  reason: string;
  slug: ProblemSlug;
  detail: string;
}

const HEADER_OVERFLOW: Refusal = {
  status: 431,
  reason: 'Request Header Fields Too Large',
  slug: 'header-too-large',
  detail: 'the request line and headers are over the server limit (a URL that long is not one of this API)',
};

/** what to answer for a parser error code (llhttp's HPE_* codes and Node's own) */
export function refusalFor(code: string | undefined): Refusal {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return HEADER_OVERFLOW;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, reason: 'Request Timeout', slug: 'request-timeout', detail: 'the request did not arrive in time' };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { status: 400, reason: 'Bad Request', slug: 'bad-request', detail: 'malformed HTTP request: invalid Content-Length header' };
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return { status: 400, reason: 'Bad Request', slug: 'bad-request', detail: 'malformed HTTP request: invalid Transfer-Encoding' };
    default:
      return { status: 400, reason: 'Bad Request', slug: 'bad-request', detail: `malformed HTTP request (${code ?? 'parse error'})` };
  }
}

/** the raw HTTP/1.1 response for a refusal: problem+json, the connection closed after it */
export function refusalResponse(refusal: Refusal, requestId: string): string {
  const body = JSON.stringify(problemBody(refusal.status, refusal.slug, refusal.detail, requestId));
  return (
    `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\n` +
    `content-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `${REQUEST_ID_HEADER}: ${requestId}\r\nconnection: close\r\n\r\n${body}`
  );
}

const PEER_GONE: ReadonlySet<string> = new Set(['ECONNRESET', 'HPE_INVALID_EOF_STATE']);

/** the response in progress on the socket, if any (a parse error on a kept-alive connection may follow one) */
const responseOf = (socket: Duplex): { headersSent?: boolean } | undefined =>
  (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;

/** Installs the handler on `server`: with it, Node no longer writes its own bare answer (Node's documented `clientError` contract). */
export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // the peer is gone (reset, or closed mid-request: the request's own access line says so), or a response already started on
    // this connection: nothing sensible can be written
    if (PEER_GONE.has(error.code ?? '') || !socket.writable || responseOf(socket)?.headersSent === true) {
      socket.destroy();
      return;
    }
    const refusal = refusalFor(error.code);
    const requestId = randomUUID();
    if (logger.isLevelEnabled('info'))
      logger.info({ reqId: requestId, status: refusal.status, code: error.code }, 'malformed HTTP request refused');
    socket.end(refusalResponse(refusal, requestId));
  });
}
