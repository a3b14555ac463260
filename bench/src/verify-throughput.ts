/**
 * Signature verification throughput (issue 16), items per second, beside OpenSSL on the same inputs:
 * - engine: verifyRawSignature over a document (node:crypto hashes it) and over its SHA-256 digest (RSA public operation and the
 *   DigestInfo compared), for the card's RSA-2048 PKCS#1 v1.5 SHA-256 signatures; ECDSA P-256 over the digest (@noble/curves)
 *   and over the data (node:crypto);
 * - API: POST /v1/verify over real HTTP, `items` of 100 (data, signature) pairs per request, one certificate validation each;
 * - peers: `openssl dgst -sha256 -verify` once per item (a process per item, as a script would run it) on the same files, and
 *   `openssl speed rsa2048` (the RSA verify ceiling of this machine, no hashing, no process start).
 *
 *   node dist/verify-throughput.js [items=20000] [opensslItems=300] [documentBytes=2048]
 *   (small check: node dist/verify-throughput.js 500 20)
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@jpki-validator/config';
import { initSimulator } from '@jpki-validator/sim';
import { openEmbeddedStore } from '@jpki-validator/store';
import { linkEmbedded, startValidator } from '@jpki-validator/validator';
import { parseCertificate, scanCrl, verifyRawSignature } from '@jpki-validator/x509';
import { pino } from 'pino';

const items = Number(process.argv[2] ?? 20_000);
const opensslItems = Number(process.argv[3] ?? 300);
const documentBytes = Number(process.argv[4] ?? 2048);
const PER_REQUEST = 100;
const dir = mkdtempSync(join(tmpdir(), 'jv-bench-verify-'));
const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;
const results: { subject: string; items: number; seconds: number; perSecond: number }[] = [];
function record(subject: string, n: number, s: number): void {
  results.push({ subject, items: n, seconds: Number(s.toFixed(3)), perSecond: Math.round(n / s) });
  console.error(`${subject}: ${n} items in ${s.toFixed(3)} s = ${Math.round(n / s)} items/s`);
}

// a JPKI-like signature certificate from the simulator, with its own RSA-2048 key (what the card holds)
const sim = await initSimulator({
  dir: join(dir, 'sim'),
  seed: 1,
  populationPerCa: 1_000,
  revokedRate: 0.1,
  partitions: 0,
  generations: [2023],
});
const leaf = await sim.issueCertificate({ ca: 'jpki-sign-2023', key: 'rsa' });
const cert = parseCertificate(leaf.pem);
const privateKey = createPrivateKey(leaf.privateKeyPem);
const publicKey = cert.publicKey as KeyObject;

// inputs: distinct documents, their digests and signatures (made by node:crypto; OpenSSL checks them below)
const docs: Buffer[] = [];
const digests: Buffer[] = [];
const sigs: Buffer[] = [];
for (let i = 0; i < items; i++) {
  const doc = Buffer.alloc(documentBytes, i % 251);
  doc.writeUInt32BE(i, 0);
  docs.push(doc);
  digests.push(createHash('sha256').update(doc).digest());
  sigs.push(nodeSign('sha256', doc, privateKey));
}

function engine(subject: string, check: (i: number) => boolean): void {
  for (let i = 0; i < Math.min(items, 200); i++) check(i); // warm-up
  const t0 = process.hrtime.bigint();
  let valid = 0;
  for (let i = 0; i < items; i++) if (check(i)) valid++;
  const s = seconds(t0);
  if (valid !== items) throw new Error(`${subject}: ${items - valid} signatures did not verify`);
  record(subject, items, s);
}
engine('engine rsa-pkcs1-sha256, data', (i) => verifyRawSignature(publicKey, { data: docs[i] as Buffer }, sigs[i] as Buffer).valid);
engine('engine rsa-pkcs1-sha256, digest', (i) => verifyRawSignature(publicKey, { digest: digests[i] as Buffer }, sigs[i] as Buffer).valid);

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecSigs = docs.slice(0, Math.min(items, 5_000)).map((d) => nodeSign('sha256', d, ec.privateKey));
const ecItems = ecSigs.length;
for (const [subject, input] of [
  ['engine ecdsa-sha256 P-256, data (node:crypto)', (i: number) => ({ data: docs[i] as Buffer })],
  ['engine ecdsa-sha256 P-256, digest (@noble/curves)', (i: number) => ({ digest: digests[i] as Buffer })],
] as const) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ecItems; i++) if (!verifyRawSignature(ec.publicKey, input(i), ecSigs[i] as Buffer).valid) throw new Error(subject);
  record(subject, ecItems, seconds(t0));
}

// the API: the simulator's CRL loaded into an embedded store, a validator on a free port
const crlFile = join(dir, 'sign.crl');
await sim.writeCrl({ ca: 'jpki-sign-2023', out: crlFile });
const store = await openEmbeddedStore();
const loader = await store.beginLoad({ caId: 'jpki-sign-2023', partition: 'sign', source: crlFile });
const scanned = await scanCrl(createReadStream(crlFile), {
  onEntry: (e) => loader.add(e.serialNumber, e.reason, e.revocationDate, e.invalidityDate),
});
await loader.commit({
  crlNumber: scanned.crlNumber ?? 0n,
  thisUpdateMs: scanned.header.thisUpdate.getTime(),
  nextUpdateMs: scanned.header.nextUpdate?.getTime() ?? null,
  isDelta: false,
});
const configFile = join(dir, 'config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    issuers: [{ id: 'jpki-sign-2023', group: 'jpki-sign', caCert: sim.caCertificatePath('jpki-sign-2023'), crls: [crlFile] }],
  }),
);
const running = await startValidator({
  config: loadConfig({ file: configFile, env: {} }),
  logger: pino({ level: 'silent' }),
  store: linkEmbedded(store, true),
  port: 0,
  host: '127.0.0.1',
});
const bodies: string[] = [];
for (let start = 0; start < items; start += PER_REQUEST) {
  const slice = [];
  for (let i = start; i < Math.min(items, start + PER_REQUEST); i++)
    slice.push({ id: i, data: (docs[i] as Buffer).toString('base64'), signature: (sigs[i] as Buffer).toString('base64') });
  bodies.push(JSON.stringify({ certificate: leaf.pem, items: slice }));
}
const post = async (body: string): Promise<{ result: string; items: unknown[] }> => {
  const res = await fetch(`${running.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return (await res.json()) as { result: string; items: unknown[] };
};
await post(bodies[0] as string); // warm-up
let t0 = process.hrtime.bigint();
for (const body of bodies) {
  const answer = await post(body);
  if (answer.result !== 'valid') throw new Error(`API answered ${answer.result}`);
}
record(`API POST /v1/verify, ${PER_REQUEST} items per request`, items, seconds(t0));
await running.close();

// OpenSSL: a process per item on the same inputs, then its in-process RSA verify ceiling
const pub = join(dir, 'pub.pem');
writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
const n = Math.min(opensslItems, items);
for (let i = 0; i < n; i++) {
  writeFileSync(join(dir, `d${i}`), docs[i] as Buffer);
  writeFileSync(join(dir, `s${i}`), sigs[i] as Buffer);
}
t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', pub, '-signature', join(dir, `s${i}`), join(dir, `d${i}`)]).toString();
  if (!out.includes('Verified OK')) throw new Error(`openssl: ${out}`);
}
record('openssl dgst -sha256 -verify, a process per item', n, seconds(t0));
const speed = execFileSync('openssl', ['speed', '-seconds', '2', '-mr', 'rsa2048'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
// machine-readable line (OpenSSL 3): +F2:<index>:<bits>:<signs per second>:<verifies per second>
const f2 = /\+F2:\d+:2048:([\d.e+-]+):([\d.e+-]+)/.exec(speed);
if (f2?.[2]) {
  const perSecond = Math.round(Number(f2[2]));
  results.push({ subject: 'openssl speed rsa2048 (verify ceiling, no hashing)', items: perSecond * 2, seconds: 2, perSecond });
  console.error(`openssl speed rsa2048: ${perSecond} verifies/s`);
}

rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ bench: 'verify-throughput', items, opensslItems: n, documentBytes, results }, null, 2)}\n`);
