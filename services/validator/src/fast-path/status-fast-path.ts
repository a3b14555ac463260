/**
 * `GET /v1/status/{issuer}/{serial}` answered synchronously, in front of Hono, when the answer needs nothing asynchronous: no query
 * string (`at`/`mode` go through the routed handler and its schema), a serial that parses, a known issuer whose policy does not ask
 * OCSP for this serial (StatusResolver.checkNow). Anything else returns null and takes the routed path (routes/status.ts), which
 * gives the same answers and every error (400, 404, …) with their texts.
 *
 * Why in front of Hono rather than as a route: Hono returns a handler's Response synchronously only when the request matches ONE
 * handler; the global middleware (`app.use('*')`: request id, access log, metrics, API keys) matches every path whatever the
 * registration order, and composing it makes every request a chain of promises — measured at 6–19 µs CPU per request, several
 * times the lookup. Here that middleware's work is done in line with the helpers it uses itself (request-context.ts, api-key.ts),
 * and the Response (plain object headers, string body) is one @hono/node-server writes to the socket without awaiting anything.
 * Only that middleware: when anything else would run for the status GET (a CORS or security-header middleware added later), the
 * gate (middleware-gate.ts) closes and every request takes the routed path, which runs it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { StatusResolver } from '@jpki-validator/status';
import { parseSerial } from '@jpki-validator/x509';
import type { Logger } from 'pino';
import { statusAnswerJson } from './answer-json.js';
import { jsonWithRequestId } from './fast-response.js';
import type { ValidatorMetrics } from '../metrics.js';
import type { FastPathGate } from './middleware-gate.js';
import type { ApiKeyGate } from '../middleware/api-key.js';
import type { RouteAudit } from '../audit/route-audit.js';
import { purposeProblem } from '../audit/purpose.js';
import { logAccess, REQUEST_ID_HEADER, requestIdFor, STATUS_ROUTE } from '../middleware/request-context.js';
import { ProblemError, problemResponse } from '../problem.js';

export interface StatusFastPathDeps {
  resolver: StatusResolver;
  metrics: ValidatorMetrics;
  logger: Logger;
  /** null when no API keys are configured */
  apiKeys: ApiKeyGate | null;
  /** closed when the status GET has middleware the fast path does not repeat: it then leaves every request to the router */
  gate: FastPathGate;
  /** the profile labels every answer: the routed path adds them (default false) */
  labelsAlways?: boolean;
  /** the audit history: each answer recorded with the request's `purpose` (a query parameter this path reads itself) */
  audit: RouteAudit;
}

/** the answer, or null: let the routed app answer */
export type StatusFastPath = (request: Request, env: unknown) => Response | null;

/**
 * the path's two segments; no `%` (Hono would decode them), no trailing slash, no query but a plain `purpose` (nothing to decode:
 * no `%` or `+`); every other query takes the routed path
 */
const STATUS_PATH = /^\/v1\/status\/([^/?#%]+)\/([^/?#%]+)(?:\?purpose=([^&#%+]*))?$/;

export function createStatusFastPath(deps: StatusFastPathDeps): StatusFastPath {
  const { resolver, metrics, logger, apiKeys, gate, audit } = deps;
  if (deps.labelsAlways === true) return () => null;
  return (request, env) => {
    if (request.method !== 'GET') return null;
    const started = performance.now();
    const url = request.url;
    const path = url.slice(url.indexOf('/', url.indexOf(':') + 3));
    const m = STATUS_PATH.exec(path);
    const issuer = m?.[1];
    const serialText = m?.[2];
    if (issuer === undefined || serialText === undefined || !gate.isOpen()) return null;
    const purpose = m?.[3];
    // a purpose the policy refuses (or a missing one it requires): the routed handler answers the 400
    if (purposeProblem(audit.purposes, purpose) !== null) return null;
    let serial: bigint;
    try {
      serial = parseSerial(serialText);
    } catch {
      return null; // the routed handler answers the 400 with parseSerial's message
    }
    const answer = resolver.checkNow(issuer, serial);
    if (answer === null) return null;

    const incoming = incomingHeaders(env);
    // a request asking for labels (any Accept-Language) takes the routed path, which adds them when the profile has that language
    if (incoming !== null ? incoming['accept-language'] !== undefined : request.headers.has('accept-language')) return null;
    const requestId = requestIdFor(incoming !== null ? single(incoming[REQUEST_ID_HEADER]) : request.headers.get(REQUEST_ID_HEADER));
    let apiKeyId: string | null = null;
    if (apiKeys !== null) {
      try {
        // WHATWG headers here, as the middleware reads them: Node keeps only the first of repeated Authorization headers
        apiKeyId = apiKeys.admit(request.headers.get('authorization'), request.headers.get('x-api-key'));
      } catch (error) {
        if (!(error instanceof ProblemError)) throw error;
        const refused = problemResponse(error.status, error.slug, error.message, requestId, {
          ...error.headers,
          [REQUEST_ID_HEADER]: requestId,
        });
        finish(refused.status, started, path, requestId);
        return refused;
      }
    }
    metrics.countAnswer(answer);
    audit.recorder?.status({ requestId, apiKeyId, purpose: purpose === undefined || purpose === '' ? null : purpose }, answer);
    const response = jsonWithRequestId(statusAnswerJson(answer), requestId);
    finish(200, started, path, requestId);
    return response;
  };

  /**
   * Metrics and the access line, as the middleware writes them (logAccess). A successful lookup is logged only at debug: below
   * that nothing is built for the log (no closure, no line object) — per request, that is garbage the tail pays for.
   */
  function finish(status: number, started: number, path: string, requestId: string): void {
    const seconds = (performance.now() - started) / 1000;
    metrics.observeRequest(STATUS_ROUTE, 'GET', status, seconds);
    if (status < 400 && !logger.isLevelEnabled('debug')) return;
    let child: Logger | null = null;
    const log = (): Logger => (child ??= logger.child({ reqId: requestId }));
    logAccess(logger, log, { method: 'GET', route: STATUS_ROUTE, path, status, seconds });
  }
}

/** @hono/node-server hands the fetch callback `{ incoming, outgoing }`: Node's header object, without building a WHATWG Headers */
function incomingHeaders(env: unknown): IncomingHttpHeaders | null {
  if (typeof env !== 'object' || env === null || !('incoming' in env)) return null;
  const incoming: unknown = env.incoming;
  if (typeof incoming !== 'object' || incoming === null || !('headers' in incoming)) return null;
  const headers: unknown = incoming.headers;
  return typeof headers === 'object' && headers !== null ? (headers as IncomingHttpHeaders) : null;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
