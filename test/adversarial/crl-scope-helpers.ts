/**
 * Tools for the semantic CRL cases: an attacker on the network path (a real HTTP hop in front of the simulator that can serve other
 * bytes at any path), and a re-signer that edits a genuine CRL's meaning — scope, flags, number, times, entries — and signs it again
 * with the CA's own key, so that every check but the one under test passes.
 */
import { createSign, type KeyObject, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  OID,
  decodeOid,
  explicit,
  extension,
  implicitConstructed,
  implicitPrimitive,
  integer,
  readChildren,
  readSingle,
  readTlv,
  sequence,
  time,
  type Tlv,
} from '@jpki-validator/x509';

/** A man in the middle: passes everything through to `upstream` unless a path has an override. */
export interface PathAttacker {
  url: string;
  /** serve these bytes (or whatever `bytes()` returns at request time) at `path` instead of the upstream's */
  override(path: string, bytes: Uint8Array | (() => Promise<Uint8Array>)): void;
  clear(): void;
  close(): Promise<void>;
}

export async function startPathAttacker(upstream: string): Promise<PathAttacker> {
  const overrides = new Map<string, Uint8Array | (() => Promise<Uint8Array>)>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const forged = overrides.get(path);
    if (forged !== undefined) {
      void (async () => {
        const body = typeof forged === 'function' ? await forged() : forged;
        // no validators: the fetcher must fetch it in full every time
        res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': body.length });
        res.end(body);
      })().catch(() => res.destroy());
      return;
    }
    const up = request(
      new URL(req.url ?? '/', upstream),
      { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    override: (path, bytes) => overrides.set(path, bytes),
    clear: () => overrides.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function download(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** the simulator CA's private key (`<sim dir>/keys/<ca>.key.pem`) */
export function simCaKey(simDir: string, caId: string): KeyObject {
  return createPrivateKey(readFileSync(join(simDir, 'keys', `${caId}.key.pem`)));
}

/** IssuingDistributionPoint as a CRL extension (critical), with any of its fields. */
export interface IdpSpec {
  uris?: string[];
  onlyContainsUserCerts?: boolean;
  onlyContainsCACerts?: boolean;
  /** ReasonFlags content octets (unused-bits octet first): e.g. [0x06, 0x40] is keyCompromise alone */
  onlySomeReasons?: Uint8Array;
  indirectCRL?: boolean;
  onlyContainsAttributeCerts?: boolean;
}

export function idpExtension(spec: IdpSpec): Uint8Array {
  const uri = (u: string) => implicitPrimitive(6, new TextEncoder().encode(u));
  const flag = (n: number) => implicitPrimitive(n, Uint8Array.of(0xff));
  const fields: Uint8Array[] = [];
  if (spec.uris && spec.uris.length > 0) fields.push(explicit(0, implicitConstructed(0, ...spec.uris.map(uri))));
  if (spec.onlyContainsUserCerts) fields.push(flag(1));
  if (spec.onlyContainsCACerts) fields.push(flag(2));
  if (spec.onlySomeReasons) fields.push(implicitPrimitive(3, spec.onlySomeReasons));
  if (spec.indirectCRL) fields.push(flag(4));
  if (spec.onlyContainsAttributeCerts) fields.push(flag(5));
  return extension(OID.id_ce_issuingDistributionPoint, true, sequence(...fields));
}

/** What to change in a CRL before signing it again. */
export interface CrlEdit {
  thisUpdate?: Date;
  nextUpdate?: Date;
  crlNumber?: bigint;
  /** keep only the entries whose serial passes */
  keepEntry?: (serial: bigint) => boolean;
  /** replace the IDP (null: remove it) */
  idp?: Uint8Array | null;
  /** a BaseCRLNumber: makes it a delta CRL */
  deltaOf?: bigint;
}

const SHA256_WITH_RSA = sequence(
  Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b),
  Uint8Array.of(0x05, 0x00),
);

const bytesOf = (buf: Uint8Array, t: Tlv) => buf.subarray(t.start, t.contentEnd);

/** Edits a genuine CRL and signs it again with `key` (sha256WithRSA), so only its meaning differs. */
export function resignCrl(crl: Uint8Array, key: KeyObject, edit: CrlEdit): Uint8Array {
  const outer = readSingle(crl, 'crl');
  const [tbs] = readChildren(crl, outer, 'crl');
  if (!tbs) throw new Error('no tbsCertList');
  const fields = readChildren(crl, tbs, 'tbsCertList');
  const out: Uint8Array[] = [];
  let i = 0;
  const take = () => fields[i++] as Tlv;
  const next = () => fields[i];
  if (next()?.tag === 0x02) out.push(bytesOf(crl, take())); // version
  out.push(bytesOf(crl, take())); // signature
  out.push(bytesOf(crl, take())); // issuer
  const thisUpdate = take();
  out.push(edit.thisUpdate ? time(edit.thisUpdate) : bytesOf(crl, thisUpdate));
  const maybeNext = next();
  if (maybeNext && (maybeNext.tag === 0x17 || maybeNext.tag === 0x18)) {
    take();
    out.push(edit.nextUpdate ? time(edit.nextUpdate) : bytesOf(crl, maybeNext));
  } else if (edit.nextUpdate) out.push(time(edit.nextUpdate));
  const maybeEntries = next();
  if (maybeEntries?.tag === 0x30) {
    take();
    const entries = readChildren(crl, maybeEntries, 'revokedCertificates').filter((e) => {
      if (!edit.keepEntry) return true;
      const serialTlv = readTlv(crl, e.contentStart, e.contentEnd, 'serial');
      return edit.keepEntry(BigInt(`0x${Buffer.from(crl.subarray(serialTlv.contentStart, serialTlv.contentEnd)).toString('hex') || '0'}`));
    });
    if (entries.length > 0) out.push(sequence(...entries.map((e) => bytesOf(crl, e))));
  }
  const exts: Uint8Array[] = [];
  const crlExts = next();
  if (crlExts?.tag === 0xa0) {
    const [seq] = readChildren(crl, crlExts, 'crlExtensions');
    for (const ext of seq ? readChildren(crl, seq, 'crlExtensions') : []) {
      const [oidTlv] = readChildren(crl, ext, 'extension');
      const oid = oidTlv ? decodeOid(crl, oidTlv.contentStart, oidTlv.contentEnd) : '';
      if (oid === OID.id_ce_cRLNumber && edit.crlNumber !== undefined)
        exts.push(extension(OID.id_ce_cRLNumber, false, integer(edit.crlNumber)));
      else if (oid === OID.id_ce_issuingDistributionPoint && edit.idp !== undefined) {
        if (edit.idp !== null) exts.push(edit.idp);
      } else exts.push(bytesOf(crl, ext));
    }
  }
  if (edit.idp && !exts.includes(edit.idp)) exts.push(edit.idp);
  if (edit.deltaOf !== undefined) exts.push(extension(OID.id_ce_deltaCRLIndicator, true, integer(edit.deltaOf)));
  if (exts.length > 0) out.push(explicit(0, sequence(...exts)));
  const tbsDer = sequence(...out);
  const signature = createSign('sha256').update(tbsDer).sign(key);
  return sequence(tbsDer, SHA256_WITH_RSA, new Uint8Array([0x03, ...lengthOctets(signature.length + 1), 0x00, ...signature]));
}

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}
