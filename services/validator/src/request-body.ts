/**
 * A request body with a Content-Length read straight from Node's IncomingMessage into a pooled buffer (response-buffers.ts),
 * for the JSON batch's scanner. Through the Fetch Request, a 0.5 MB body is concatenated from its chunks and then copied again
 * into an ArrayBuffer: two more megabyte-scale allocations per request that V8 counts as external memory, the kind that starts
 * its full collections (bench/RESULTS.md, batch). Node's HTTP parser stops the body at Content-Length, so the buffer is exact;
 * a connection that closes before the end rejects, as reading through the Request would.
 */
import type { IncomingMessage } from 'node:http';
import { ClientClosedError } from './client-closed.js';

/** the IncomingMessage behind `c.env` under @hono/node-server, when its body is still unread and has a length this may take */
export function unreadIncoming(
  env: unknown,
  contentLength: string | undefined,
  transferEncoding: string | undefined,
  maxBytes: number,
): { incoming: IncomingMessage; length: number } | null {
  if (transferEncoding !== undefined || contentLength === undefined || !/^\d{1,12}$/.test(contentLength)) return null;
  const length = Number(contentLength);
  if (length > maxBytes) return null;
  if (typeof env !== 'object' || env === null || !('incoming' in env)) return null;
  const incoming = env.incoming as IncomingMessage | undefined;
  if (incoming === undefined || typeof incoming.on !== 'function' || incoming.readableDidRead || incoming.readableEnded) return null;
  return { incoming, length };
}

/** reads exactly `length` bytes of `incoming` into `buffer` (at least that long); the bytes as a view of `buffer` */
export function readIncomingInto(incoming: IncomingMessage, buffer: Buffer, length: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let pos = 0;
    const cleanup = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const fail = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (pos + bytes.length > length) {
        // cannot happen with Node's parser honouring Content-Length; refuse rather than overrun
        fail(new Error(`request body longer than its Content-Length ${length}`));
        incoming.resume();
        return;
      }
      bytes.copy(buffer, pos);
      pos += bytes.length;
    };
    const onEnd = (): void => {
      cleanup();
      if (pos === length) resolve(buffer.subarray(0, length));
      else reject(new Error(`request body of ${pos} bytes, Content-Length ${length}`));
    };
    // Node's `aborted` (ECONNRESET) when the peer goes away mid-body
    const onError = (error: Error): void => fail((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? new ClientClosedError() : error);
    const onClose = (): void => {
      if (!incoming.readableEnded) fail(new ClientClosedError());
    };
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', onError);
    incoming.once('close', onClose);
  });
}
