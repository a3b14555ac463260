// Local timing of the CRL scanner (not a test; timings never go in unit tests).
// Run from the repository root: npx tsc -b packages/x509 && node packages/x509/test/crl-scan-timing.mjs [entries]
// Builds a CRL of N entries (default 5,000,000: ~185 MB, 37 bytes per entry, each with a reasonCode) in memory with its own fast
// writer, signs it with a fresh RSA-2048 key, then times: a bare byte walk, SHA-256 of tbsCertList, scan only, scan + verify
// (whole buffer), and scan + verify from a temp file in 64 KiB chunks.
import { generateKeyPairSync, createHash, sign } from 'node:crypto';
import { createReadStream, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  scanCrl,
  scanCrlBuffer,
  sequence,
  oid,
  nullValue,
  set,
  utf8String,
  utcTime,
  bitString,
  explicit,
  extension,
  integer,
} from '../dist/index.js';

const n = Number(process.argv[2] ?? 5_000_000);
const header = (len) =>
  len < 0x80
    ? [len]
    : len < 0x10000
      ? [0x82, len >> 8, len & 0xff]
      : len < 0x1000000
        ? [0x83, len >> 16, (len >> 8) & 0xff, len & 0xff]
        : [0x84, len >>> 24, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff];

function buildCrl() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alg = sequence(oid('1.2.840.113549.1.1.11'), nullValue());
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8String('Timing CA'))));
  const head = [integer(1), alg, name, utcTime(new Date('2026-01-01T00:00:00Z')), utcTime(new Date('2026-01-02T00:00:00Z'))];
  const exts = explicit(0, sequence(extension('2.5.29.20', false, integer(42))));
  const entryLen = 37;
  const listLen = n * entryLen;
  const listHeader = Uint8Array.from([0x30, ...header(listLen)]);
  // Revocation times spread over ~3 years (1,000 days) with varying clock fields, like a real CRL.
  const times = Array.from({ length: 4096 }, (_, k) =>
    new TextEncoder().encode(
      new Date(Date.UTC(2023, 0, 1) + (k % 1000) * 86_400_000 + ((k * 7_919_000) % 86_400_000))
        .toISOString()
        .replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3$4$5$6Z'),
    ),
  );
  let tbsContent = listHeader.length + listLen + exts.length;
  for (const h of head) tbsContent += h.length;
  const tbsHeader = Uint8Array.from([0x30, ...header(tbsContent)]);
  const tbs = new Uint8Array(tbsHeader.length + tbsContent);
  let p = 0;
  for (const part of [tbsHeader, ...head, listHeader]) {
    tbs.set(part, p);
    p += part.length;
  }
  for (let i = 0; i < n; i++) {
    const serial = 0x10000000 + i * 7;
    tbs[p++] = 0x30;
    tbs[p++] = 35;
    tbs[p++] = 0x02;
    tbs[p++] = 4;
    tbs[p++] = serial >>> 24;
    tbs[p++] = (serial >> 16) & 0xff;
    tbs[p++] = (serial >> 8) & 0xff;
    tbs[p++] = serial & 0xff;
    tbs[p++] = 0x17;
    tbs[p++] = 13;
    tbs.set(times[((i * 2654435761) % 4096) >>> 0] ?? times[0], p);
    p += 13;
    tbs[p++] = 0x30;
    tbs[p++] = 12;
    tbs[p++] = 0x30;
    tbs[p++] = 10;
    tbs[p++] = 0x06;
    tbs[p++] = 3;
    tbs[p++] = 0x55;
    tbs[p++] = 0x1d;
    tbs[p++] = 0x15;
    tbs[p++] = 0x04;
    tbs[p++] = 3;
    tbs[p++] = 0x0a;
    tbs[p++] = 1;
    tbs[p++] = i % 6;
  }
  tbs.set(exts, p);
  const sig = bitString(new Uint8Array(sign('sha256', tbs, privateKey)));
  const outerContent = tbs.length + alg.length + sig.length;
  const outerHeader = Uint8Array.from([0x30, ...header(outerContent)]);
  const crl = new Uint8Array(outerHeader.length + outerContent);
  crl.set(outerHeader, 0);
  crl.set(tbs, outerHeader.length);
  crl.set(alg, outerHeader.length + tbs.length);
  crl.set(sig, outerHeader.length + tbs.length + alg.length);
  return { crl, tbs, publicKey };
}

function time(label, fn) {
  const runs = [];
  let out;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    out = fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  runs.sort((a, b) => a - b);
  console.log(`${label.padEnd(34)} median ${runs[1].toFixed(0)} ms  (${runs.map((r) => r.toFixed(0)).join(', ')})`);
  return out;
}

const { crl, tbs, publicKey } = buildCrl();
console.log(`CRL: ${n} entries, ${(crl.length / 1e6).toFixed(1)} MB`);
time('bare byte walk (sum)', () => {
  let s = 0;
  for (let i = 0; i < crl.length; i += 37) s += crl[i];
  return s;
});
time('SHA-256 of tbsCertList', () => createHash('sha256').update(tbs).digest());
let _count = 0;
const onEntry = (e) => {
  if (e.serialNumber >= 0) _count++;
};
time('scan (no verify)', () => scanCrlBuffer(crl, { onEntry }));
const r = time('scan + verify (one buffer)', () => scanCrlBuffer(crl, { onEntry, issuerKey: publicKey }));
console.log(`  entries ${r.entryCount}, signature ${r.signature}, reasons ${JSON.stringify(r.reasons)}`);
const dir = mkdtempSync(join(tmpdir(), 'crl-timing-'));
const file = join(dir, 'big.crl');
writeFileSync(file, crl);
{
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) bytes += chunk.length;
  console.log(`read file only (64 KiB chunks)      ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms, ${bytes} bytes`);
}
for (let i = 0; i < 3; i++) {
  const t0 = process.hrtime.bigint();
  const s = await scanCrl(createReadStream(file, { highWaterMark: 64 * 1024 }), { onEntry, issuerKey: publicKey });
  console.log(
    `scan + verify (file, 64 KiB chunks)  ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms, signature ${s.signature}, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
  );
}
rmSync(dir, { recursive: true });
