// Subject (c): pkijs CertificateRevocationList from the whole file in memory (how a pkijs user reads a CRL).
// Usage: node dist/subjects/pkijs-from-ber.js CRL_FILE EXPECTED_ENTRIES
//
// asn1js 4 refuses input beyond 10 000 ASN.1 nodes or 16 MiB of content by default (FromBerOptions maxNodes/maxContentLength),
// and pkijs 4.0.0's static `CertificateRevocationList.fromBER(raw)` calls `asn1js.fromBER(raw)` with no way to pass options. So
// we first show the static call failing, then do exactly its two steps (asn1js.fromBER, then `new CertificateRevocationList(
// { schema })`) with the limits raised to bounds no DER input of this size can reach: every node takes at least 2 bytes, and
// parseEmbedded (on by default) decodes OCTET STRING contents again, so 4 nodes per byte is a safe ceiling.
import { readFileSync } from 'node:fs';
import * as asn1js from 'asn1js';
import { CertificateRevocationList } from 'pkijs';
import { arg, printReport, secondsSince } from '../lib/child-report.js';

const raw = readFileSync(arg(0, 'CRL file'));
const expected = Number(arg(1, 'expected entries'));
const input = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);

let staticFromBer = 'parsed';
try {
  CertificateRevocationList.fromBER(input);
} catch (e) {
  staticFromBer = e instanceof Error ? e.message : String(e);
}
// pkijs's message is generic; asn1js with its defaults says which limit stopped it.
const defaultLimits = asn1js.fromBER(input).result.error || 'parsed';

const start = process.hrtime.bigint();
const asn1 = asn1js.fromBER(input, { maxNodes: input.length * 4, maxContentLength: input.length });
if (asn1.offset === -1) throw new Error(`asn1js: ${asn1.result.error}`);
const crl = new CertificateRevocationList({ schema: asn1.result });
const workSeconds = secondsSince(start);

const entries = crl.revokedCertificates?.length ?? 0;
if (entries !== expected) throw new Error(`expected ${expected} entries, pkijs read ${entries}`);
printReport(workSeconds, { entries, staticFromBer, asn1jsDefaultLimits: defaultLimits });
