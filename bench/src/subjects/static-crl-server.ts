// Serves one CRL file over loopback HTTP with an ETag (so a second fetch is a real conditional GET), in its own process, so the
// fetcher's peak RSS measured beside it is the fetcher's alone. Prints `{"url": …}` once listening; counts on SIGTERM to stderr.
// Usage: node dist/subjects/static-crl-server.js CRL_FILE
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { arg } from '../lib/child-report.js';

const crlFile = arg(0, 'CRL file');
const { size, mtimeMs } = statSync(crlFile);
const etag = `"${size}-${Math.trunc(mtimeMs)}"`;
const served = { full: 0, notModified: 0 };
const server = createServer((req, res) => {
  if (req.headers['if-none-match'] === etag) {
    served.notModified++;
    res.writeHead(304, { etag }).end();
    return;
  }
  served.full++;
  res.writeHead(200, { etag, 'content-type': 'application/pkix-crl', 'content-length': size });
  createReadStream(crlFile, { highWaterMark: 1024 * 1024 }).pipe(res);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/full.crl` })}\n`);
});
process.on('SIGTERM', () => {
  process.stderr.write(`${JSON.stringify(served)}\n`);
  server.closeAllConnections();
  server.close();
});
