import { StatusError } from '../errors.js';

/** RFC 6960 Appendix A.1 over HTTP POST (`application/ocsp-request`), with a timeout per attempt. */
export type OcspTransportFailure = 'timeout' | 'network' | 'http_status';

const CODE_FOR_FAILURE = { timeout: 'OCSP_TIMEOUT', network: 'OCSP_NETWORK', http_status: 'OCSP_HTTP_STATUS' } as const;

export class OcspTransportError extends StatusError {
  /** the `why` of an unavailable OCSP outcome */
  readonly failure: OcspTransportFailure;
  readonly retryable: boolean;

  constructor(failure: OcspTransportFailure, message: string, retryable: boolean, options?: ErrorOptions) {
    super(CODE_FOR_FAILURE[failure], message, options);
    this.failure = failure;
    this.retryable = retryable;
  }
}

/** Responses larger than this are not OCSP answers about one certificate. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export async function postOcspRequest(url: string, der: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
      body: der,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    if (timedOut)
      throw new OcspTransportError('timeout', `OCSP responder ${url} did not answer within ${timeoutMs} ms`, true, { cause: error });
    const why = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new OcspTransportError('network', `OCSP responder ${url} unreachable: ${why}`, true, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new OcspTransportError('http_status', `OCSP responder ${url} answered HTTP ${response.status}`, response.status >= 500);
  }
  let body: ArrayBuffer;
  try {
    body = await response.arrayBuffer();
  } catch (error) {
    throw new OcspTransportError(
      'network',
      `OCSP responder ${url}: body lost: ${error instanceof Error ? error.message : String(error)}`,
      true,
      { cause: error },
    );
  }
  if (body.byteLength > MAX_RESPONSE_BYTES)
    throw new OcspTransportError('http_status', `OCSP responder ${url} sent ${body.byteLength} bytes`, false);
  return new Uint8Array(body);
}
