import { DerError, type X509ErrorCode } from '../errors.js';
import { checkDerElement } from './der-walk.js';
import type { ProblemLog } from './problems.js';
import { readTimeMsInto } from '../der/time.js';
import { decodeOid } from '../der/oid.js';
import type { CrlEntryView } from './types.js';

/** Reason counts are kept by code; slot 11 collects codes RFC 5280 does not define (7 and above 10). */
export const UNKNOWN_REASON_SLOT = 11;

/** What the entry loop reads and updates; owned by the scanner, passed once per chunk. */
export interface EntryLoopState {
  view: CrlEntryView;
  onEntry: ((entry: CrlEntryView) => void) | undefined;
  /** absolute offset of buf[0] */
  base: number;
  /** absolute offset where revokedCertificates ends */
  revokedEnd: number;
  /** entries read so far (the next entry's index) */
  index: number;
  maxElementBytes: number;
  maxDepth: number;
  /** the CRL is v1: entry extensions are a problem */
  v1: boolean;
  reasonCounts: Float64Array;
  problems: ProblemLog;
}

/** where readTimeMsInto leaves each entry's times: written in place, never a boxed number per entry */
const TIME = new Float64Array(1);

type EntryField = 'userCertificate' | 'revocationDate' | 'crlEntryExtensions' | '';

function fail(
  s: EntryLoopState,
  code: Extract<X509ErrorCode, 'DER_MALFORMED' | 'INPUT_TOO_LARGE'>,
  message: string,
  pos: number,
  field: EntryField,
  ext = -1,
): never {
  throw new DerError(code, message, s.base + pos, entryPath(s.index, field, ext));
}

export function entryPath(index: number, field: EntryField, ext = -1): string {
  const entry = `tbsCertList.revokedCertificates[${index}]`;
  if (field === '') return entry;
  return ext >= 0 ? `${entry}.${field}[${ext}]` : `${entry}.${field}`;
}

/** The length of an element whose long-form length starts at `p` (the byte after the tag). Rare on the hot path. */
function longLength(s: EntryLoopState, buf: Uint8Array, p: number, limit: number, field: EntryField, ext: number): number {
  const n = (buf[p] as number) & 0x7f;
  if (n === 0) fail(s, 'DER_MALFORMED', 'indefinite length is not DER', p, field, ext);
  if (n > 4) fail(s, 'DER_MALFORMED', `length of ${n} octets is too large`, p, field, ext);
  if (p + 1 + n > limit) fail(s, 'DER_MALFORMED', 'length octets run past the end of the entry', p, field, ext);
  if (buf[p + 1] === 0) fail(s, 'DER_MALFORMED', 'length has a leading zero octet (not minimal DER)', p + 1, field, ext);
  let length = 0;
  for (let i = 1; i <= n; i++) length = length * 256 + (buf[p + i] as number);
  if (length < 0x80) fail(s, 'DER_MALFORMED', 'long-form length below 128 (not minimal DER)', p, field, ext);
  return length;
}

/**
 * ```asn1
 * revokedCertificates SEQUENCE OF SEQUENCE {
 *   userCertificate    CertificateSerialNumber,
 *   revocationDate     Time,
 *   crlEntryExtensions Extensions OPTIONAL }
 * ```
 * The hot loop: reads every complete entry in `buf[pos, end)`, fills the one reused view and calls `onEntry`. Allocates nothing
 * per entry. Returns the position of the first entry not read (its bytes are not all here yet: entryBytesNeeded says how many it
 * needs), or the position of `revokedEnd` when the list is done. The early returns at a chunk's end store nothing: a store that
 * runs once per chunk has no type feedback when the loop is first optimized, and reaching it would throw the optimized loop away.
 */
export function scanEntries(s: EntryLoopState, buf: Uint8Array, pos: number, end: number): number {
  const base = s.base;
  const view = s.view;
  const onEntry = s.onEntry;
  const counts = s.reasonCounts;
  const maxElementBytes = s.maxElementBytes;
  const listEnd = s.revokedEnd - base;
  const stop = Math.min(end, listEnd);
  view.buf = buf;
  let p = pos;
  while (p < stop) {
    const start = p;
    // entry SEQUENCE header
    if (buf[p] !== 0x30) fail(s, 'DER_MALFORMED', `expected SEQUENCE (0x30), found 0x${(buf[p] as number).toString(16)}`, p, '');
    if (p + 2 > end) return start;
    let lb = buf[p + 1] as number;
    const headerLength = lb < 0x80 ? 2 : 2 + (lb & 0x7f);
    if (headerLength > 2 && p + headerLength > end && headerLength <= 6) return start;
    const entryEnd = p + headerLength + (lb < 0x80 ? lb : longLength(s, buf, p + 1, end, '', -1));
    if (entryEnd > listEnd)
      fail(s, 'DER_MALFORMED', `entry of ${entryEnd - start} bytes runs past the end of revokedCertificates`, start, '');
    if (entryEnd - start > maxElementBytes)
      fail(s, 'INPUT_TOO_LARGE', `entry of ${entryEnd - start} bytes exceeds maxElementBytes ${maxElementBytes}`, start, '');
    if (entryEnd > end) return start;
    p = start + headerLength;

    // userCertificate CertificateSerialNumber ::= INTEGER
    if (p + 2 > entryEnd || buf[p] !== 0x02) fail(s, 'DER_MALFORMED', 'expected INTEGER (0x02)', p, 'userCertificate');
    lb = buf[p + 1] as number;
    const serialStart = lb < 0x80 ? p + 2 : p + 2 + (lb & 0x7f);
    const serialEnd = serialStart + (lb < 0x80 ? lb : longLength(s, buf, p + 1, entryEnd, 'userCertificate', -1));
    if (serialEnd > entryEnd) fail(s, 'DER_MALFORMED', 'INTEGER runs past the end of the entry', p, 'userCertificate');
    if (serialEnd === serialStart) fail(s, 'DER_MALFORMED', 'INTEGER with no content', p, 'userCertificate');
    let serialNumber = -1;
    // A leading 0x00 keeps a positive serial's top bit clear: a 7-octet encoding can still be below 2^48.
    const from = buf[serialStart] === 0 && serialEnd - serialStart === 7 ? serialStart + 1 : serialStart;
    if ((buf[serialStart] as number) < 0x80 && serialEnd - from <= 6) {
      serialNumber = 0;
      for (let i = from; i < serialEnd; i++) serialNumber = serialNumber * 256 + (buf[i] as number);
    }

    // revocationDate Time
    p = serialEnd;
    if (p + 2 > entryEnd) fail(s, 'DER_MALFORMED', 'revocationDate missing', p, 'revocationDate');
    const timeTag = buf[p] as number;
    const timeEnd = p + 2 + (buf[p + 1] as number);
    if ((buf[p + 1] as number) >= 0x80 || timeEnd > entryEnd)
      fail(s, 'DER_MALFORMED', 'Time runs past the end of the entry', p, 'revocationDate');
    try {
      readTimeMsInto(TIME, buf, timeTag, p + 2, timeEnd, 'revocationDate', base + p);
    } catch (e) {
      throw rePath(e, entryPath(s.index, 'revocationDate'));
    }
    const revocationDate = TIME[0] as number;

    // crlEntryExtensions Extensions OPTIONAL
    p = timeEnd;
    let reason = -1;
    let invalidityDate = NaN;
    let issuerStart = -1;
    let issuerEnd = -1;
    if (p < entryEnd) {
      if (buf[p] !== 0x30 || p + 2 > entryEnd)
        fail(s, 'DER_MALFORMED', 'expected crlEntryExtensions SEQUENCE (0x30)', p, 'crlEntryExtensions');
      lb = buf[p + 1] as number;
      const extsEnd = lb < 0x80 ? p + 2 + lb : p + 2 + (lb & 0x7f) + longLength(s, buf, p + 1, entryEnd, 'crlEntryExtensions', -1);
      if (extsEnd !== entryEnd) fail(s, 'DER_MALFORMED', 'crlEntryExtensions must end the entry exactly', p, 'crlEntryExtensions');
      if (s.v1) s.problems.add('ENTRY_EXTENSIONS_IN_V1', 'a v1 CRL entry has crlEntryExtensions', base + p);
      p += lb < 0x80 ? 2 : 2 + (lb & 0x7f);
      if (p === extsEnd) fail(s, 'DER_MALFORMED', 'empty crlEntryExtensions (SIZE (1..MAX))', p, 'crlEntryExtensions');
      const firstExt = p;
      for (let ext = 0; p < extsEnd; ext++) {
        // Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
        const extStart = p;
        if (buf[p] !== 0x30 || p + 2 > extsEnd)
          fail(s, 'DER_MALFORMED', 'expected Extension SEQUENCE (0x30)', p, 'crlEntryExtensions', ext);
        lb = buf[p + 1] as number;
        const extEnd = lb < 0x80 ? p + 2 + lb : p + 2 + (lb & 0x7f) + longLength(s, buf, p + 1, extsEnd, 'crlEntryExtensions', ext);
        if (extEnd > extsEnd) fail(s, 'DER_MALFORMED', 'Extension runs past the end of crlEntryExtensions', p, 'crlEntryExtensions', ext);
        p += lb < 0x80 ? 2 : 2 + (lb & 0x7f);
        if (p + 2 > extEnd || buf[p] !== 0x06 || (buf[p + 1] as number) >= 0x80)
          fail(s, 'DER_MALFORMED', 'expected extnID OBJECT IDENTIFIER', p, 'crlEntryExtensions', ext);
        const oidLen = buf[p + 1] as number;
        // id-ce 2.5.29.x encodes as 55 1D x: every extension this engine knows in an entry is one of those.
        const idCe = oidLen === 3 && buf[p + 2] === 0x55 && buf[p + 3] === 0x1d ? (buf[p + 4] as number) : -1;
        const oidStart = p;
        p += 2 + oidLen;
        if (p > extEnd) fail(s, 'DER_MALFORMED', 'extnID runs past the end of the Extension', oidStart, 'crlEntryExtensions', ext);
        if (ext > 0 && oidSeenBefore(buf, firstExt, extStart, oidStart))
          fail(s, 'DER_MALFORMED', `extension ${oidText(buf, oidStart)} appears twice in the entry`, extStart, 'crlEntryExtensions', ext);
        let critical = false;
        if (p + 3 <= extEnd && buf[p] === 0x01) {
          if (buf[p + 1] !== 1 || (buf[p + 2] !== 0xff && buf[p + 2] !== 0))
            fail(s, 'DER_MALFORMED', 'critical must be a one-octet BOOLEAN 0x00 or 0xFF', p, 'crlEntryExtensions', ext);
          critical = buf[p + 2] === 0xff;
          p += 3;
        }
        if (p + 2 > extEnd || buf[p] !== 0x04)
          fail(s, 'DER_MALFORMED', 'expected extnValue OCTET STRING (0x04)', p, 'crlEntryExtensions', ext);
        lb = buf[p + 1] as number;
        const valueStart = lb < 0x80 ? p + 2 : p + 2 + (lb & 0x7f);
        const valueEnd = lb < 0x80 ? valueStart + lb : valueStart + longLength(s, buf, p + 1, extEnd, 'crlEntryExtensions', ext);
        if (valueEnd !== extEnd) fail(s, 'DER_MALFORMED', 'extnValue must end the Extension exactly', p, 'crlEntryExtensions', ext);
        if (idCe === 0x15) {
          // reasonCode ::= { CRLReason } ENUMERATED: every known code fits in one octet.
          if (valueEnd - valueStart !== 3 || buf[valueStart] !== 0x0a || buf[valueStart + 1] !== 1) {
            checkValue(s, buf, valueStart, valueEnd, ext);
            fail(s, 'DER_MALFORMED', 'reasonCode must be a one-octet ENUMERATED', valueStart, 'crlEntryExtensions', ext);
          }
          reason = buf[valueStart + 2] as number;
          if (reason === 7 || reason > 10)
            s.problems.add('UNKNOWN_REASON_CODE', `reasonCode ${reason} is not defined by RFC 5280`, base + valueStart);
        } else if (idCe === 0x18) {
          // invalidityDate ::= GeneralizedTime
          if (valueEnd - valueStart !== 17 || buf[valueStart] !== 0x18 || buf[valueStart + 1] !== 15) {
            checkValue(s, buf, valueStart, valueEnd, ext);
            fail(s, 'DER_MALFORMED', 'invalidityDate must be a GeneralizedTime', valueStart, 'crlEntryExtensions', ext);
          }
          try {
            readTimeMsInto(TIME, buf, 0x18, valueStart + 2, valueEnd, 'invalidityDate', base + valueStart);
          } catch (e) {
            throw rePath(e, entryPath(s.index, 'crlEntryExtensions', ext));
          }
          invalidityDate = TIME[0] as number;
        } else if (idCe === 0x1d) {
          // certificateIssuer ::= GeneralNames: only indirect CRLs carry it.
          checkValue(s, buf, valueStart, valueEnd, ext);
          if (buf[valueStart] !== 0x30)
            fail(s, 'DER_MALFORMED', 'certificateIssuer must be a GeneralNames SEQUENCE', valueStart, 'crlEntryExtensions', ext);
          issuerStart = valueStart + 2 + ((buf[valueStart + 1] as number) < 0x80 ? 0 : (buf[valueStart + 1] as number) & 0x7f);
          issuerEnd = valueEnd;
          s.problems.add('INDIRECT_CRL', 'an entry has a certificateIssuer extension (indirect CRL)', base + extStart);
        } else {
          // an unknown extension's value is opaque (RFC 5280 §5.3: a non-critical one may be ignored; a critical one makes the
          // CRL unusable whatever it holds)
          if (critical)
            s.problems.add(
              'UNKNOWN_CRITICAL_ENTRY_EXTENSION',
              `unknown critical CRL entry extension at byte ${base + oidStart}`,
              base + extStart,
            );
        }
        p = extEnd;
      }
    }

    const slot = reason < 0 ? 0 : reason === 7 || reason > 10 ? UNKNOWN_REASON_SLOT : reason;
    counts[slot] = (counts[slot] as number) + 1;
    view.serialStart = serialStart;
    view.serialEnd = serialEnd;
    view.serialNumber = serialNumber;
    view.revocationDate = revocationDate;
    view.reason = reason;
    view.invalidityDate = invalidityDate;
    view.certificateIssuerStart = issuerStart;
    view.certificateIssuerEnd = issuerEnd;
    view.index = s.index;
    view.offset = base + start;
    if (onEntry !== undefined) onEntry(view);
    s.index++;
    p = entryEnd;
  }
  return p;
}

/**
 * The bytes the entry at `p` needs, from `p`, when scanEntries stopped there before the end of revokedCertificates: its header, or
 * all of it. Only called where scanEntries returned early, so the header it reads has passed the loop's checks.
 */
export function entryBytesNeeded(buf: Uint8Array, p: number, end: number): number {
  if (p + 2 > end) return 2;
  const lb = buf[p + 1] as number;
  if (lb < 0x80) return 2 + lb;
  const headerLength = 2 + (lb & 0x7f);
  if (p + headerLength > end) return headerLength;
  let length = 0;
  for (let i = 2; i < headerLength; i++) length = length * 256 + (buf[p + i] as number);
  return headerLength + length;
}

/**
 * Whether the OBJECT IDENTIFIER at `oidAt` is already the extnID of an Extension in `buf[from, to)` (this entry's earlier
 * extensions, already checked): RFC 5280 §4.2 allows each extension once. Entries have one or two extensions, so walking back
 * costs less than keeping a set, and allocates nothing.
 */
function oidSeenBefore(buf: Uint8Array, from: number, to: number, oidAt: number): boolean {
  const oidLength = 2 + (buf[oidAt + 1] as number);
  let q = from;
  while (q < to) {
    const lb = buf[q + 1] as number;
    let contentStart = q + 2;
    let length = lb;
    if (lb >= 0x80) {
      length = 0;
      for (let i = 0; i < (lb & 0x7f); i++) length = length * 256 + (buf[q + 2 + i] as number);
      contentStart += lb & 0x7f;
    }
    // contentStart is the extnID's tag; both extnIDs are short-form OIDs (checked when they were read)
    let same = (buf[contentStart + 1] as number) + 2 === oidLength;
    for (let i = 0; same && i < oidLength; i++) same = buf[contentStart + i] === buf[oidAt + i];
    if (same) return true;
    q = contentStart + length;
  }
  return false;
}

/** an extnID for an error message: dotted, or hex when it does not decode */
function oidText(buf: Uint8Array, oidAt: number): string {
  const end = oidAt + 2 + (buf[oidAt + 1] as number);
  try {
    return decodeOid(buf, oidAt + 2, end);
  } catch {
    return `0x${Buffer.from(buf.subarray(oidAt + 2, end)).toString('hex')}`;
  }
}

/** A generic, depth-limited DER check of an extension value, with the entry's path. */
function checkValue(s: EntryLoopState, buf: Uint8Array, start: number, end: number, ext: number): void {
  try {
    checkDerElement(buf, start, end, s.maxDepth, 'extnValue', s.base);
  } catch (e) {
    throw rePath(e, `${entryPath(s.index, 'crlEntryExtensions', ext)}.extnValue`);
  }
}

/** The shared readers take a short path; errors on the hot path get the entry's full path only when they happen. */
function rePath(e: unknown, path: string): unknown {
  if (!(e instanceof DerError)) return e;
  const message = e.message.replace(/ at byte \d+ \([^)]*\)$/, '');
  return new DerError(e.code as ConstructorParameters<typeof DerError>[0], message, e.offset, path);
}
