import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCrlCache } from './crl-cache.js';
import { SimError } from './errors.js';
import { createOcspResponder, type OcspSignerChoice } from './ocsp-responder.js';
import type { Simulator } from './simulator.js';

export interface SimServerOptions {
  /** Default 0: any free port (read it from the result). */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default `delegated`. */
  ocspSigner?: OcspSignerChoice;
  /** Default 3600. */
  ocspValiditySeconds?: number;
}

export interface SimServer {
  /** e.g. `http://127.0.0.1:40123` */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Largest OCSP request accepted: a request for a handful of certificates is a few hundred bytes. */
const MAX_OCSP_REQUEST_BYTES = 64 * 1024;
const CRL_PATH = /^\/crl\/([A-Za-z0-9._-]+)\/(full|p\d{4,})(-delta)?\.crl$/;
const CA_PATH = /^\/ca\/([A-Za-z0-9._-]+?)(-ocsp)?\.(crt|pem)$/;

function send(res: ServerResponse, status: number, body: string | Uint8Array, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Serves the simulator over HTTP (node:http):
 * - `GET|HEAD /crl/<ca>/<full|pNNNN>[-delta].crl` — CRLs of the current generation, written into `<dir>/crl-cache/` on first
 *   request (every partition of a CA at once, see createCrlCache) and streamed from there, with ETag and Last-Modified
 *   (= thisUpdate) and 304s for If-None-Match / If-Modified-Since;
 * - `GET /ca/<ca>.crt` (DER) or `.pem`, `GET /ca/<ca>-ocsp.crt` — CA and delegated responder certificates;
 * - `POST /ocsp` or `POST /` (application/ocsp-request) and `GET /ocsp/<base64 request>` — the OCSP responder.
 * The state file is re-read before each request, so `sim revoke` / `sim advance` from another process take effect at once.
 */
export async function serveSimulator(sim: Simulator, options: SimServerOptions = {}): Promise<SimServer> {
  const respond = createOcspResponder(
    {
      cas: () => sim.listCas().map((c) => sim.resolveCa(c.id)),
      status: (caId, serial) => (serial >= 0n && serial < 2n ** 32n ? sim.status(caId, serial) : undefined),
    },
    {
      ...(options.ocspSigner ? { signer: options.ocspSigner } : {}),
      ...(options.ocspValiditySeconds ? { validitySeconds: options.ocspValiditySeconds } : {}),
    },
  );
  const cache = createCrlCache(sim);

  async function serveCrl(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): Promise<void> {
    const [, caId = '', scope = 'full', delta] = match;
    const { file, offset, bytes, etag, lastModified } = await cache.crl(caId, scope, delta !== undefined);
    const headers = {
      etag,
      'last-modified': lastModified.toUTCString(),
      'cache-control': 'no-cache',
      'content-type': 'application/pkix-crl',
    };
    const ifNoneMatch = req.headers['if-none-match'];
    const ifModifiedSince = req.headers['if-modified-since'];
    // RFC 9110 §13.1.3: If-Modified-Since is ignored when If-None-Match is present.
    const notModified =
      ifNoneMatch !== undefined
        ? ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*')
        : ifModifiedSince !== undefined && Date.parse(ifModifiedSince) >= Math.floor(lastModified.getTime() / 1000) * 1000;
    if (notModified) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': bytes });
    if (req.method === 'HEAD' || bytes === 0) {
      res.end();
      return;
    }
    createReadStream(file, { start: offset, end: offset + bytes - 1 })
      .on('error', (e) => res.destroy(e))
      .pipe(res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await sim.reload();
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const crl = CRL_PATH.exec(path);
    if (crl) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET or HEAD only\n');
      return serveCrl(req, res, crl);
    }
    const ca = CA_PATH.exec(path);
    if (ca && req.method === 'GET') {
      const [, caId = '', responder, ext] = ca;
      const pem = responder ? sim.responderCertificatePem(caId) : sim.caCertificatePem(caId);
      if (ext === 'pem') return send(res, 200, pem, 'application/x-pem-file');
      return send(res, 200, Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'), 'application/pkix-cert');
    }
    if ((path === '/ocsp' || path === '/') && req.method === 'POST') {
      const body = await readBody(req, MAX_OCSP_REQUEST_BYTES);
      if (!body) return send(res, 413, 'OCSP request too large\n');
      return send(res, 200, respond(body), 'application/ocsp-response');
    }
    if (path.startsWith('/ocsp/') && req.method === 'GET') {
      // RFC 6960 appendix A.1: GET {url}/{url-encoding of base-64 encoding of the DER encoding of the OCSPRequest}
      const b64 = decodeURIComponent(path.slice('/ocsp/'.length));
      return send(res, 200, respond(new Uint8Array(Buffer.from(b64, 'base64'))), 'application/ocsp-response');
    }
    send(res, 404, 'not found\n');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy(error instanceof Error ? error : undefined);
        return;
      }
      const notFound =
        error instanceof SimError &&
        (error.code === 'SIM_UNKNOWN_CA' || error.code === 'SIM_UNKNOWN_PARTITION' || error.code === 'SIM_BAD_OPTION');
      send(res, notFound ? 404 : 500, `${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
