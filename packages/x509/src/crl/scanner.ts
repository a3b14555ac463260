import { DerError, X509Error } from '../errors.js';
import { createSignatureVerifier, type SignatureVerifier } from '../crypto/signature.js';
import { TAG } from '../der/tlv.js';
import { CRL_REASONS } from '../reasons.js';
import { emptyCrlExtensions } from './crl-extensions.js';
import { entryBytesNeeded, entryPath, scanEntries, UNKNOWN_REASON_SLOT, type EntryLoopState } from './entries.js';
import { createHeaderFields, readHeaderElement, type HeaderFields } from './header-elements.js';
import { ProblemLog } from './problems.js';
import { Step, STEP_PATHS } from './steps.js';
import { createStreamHeader, readStreamHeader } from './stream-header.js';
import { TailBuffer } from './tail-buffer.js';
import type { CrlEntryView, CrlHeader, CrlScanOptions, CrlScanResult } from './types.js';
import { copyBytes } from './copy-bytes.js';

const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
const DEFAULT_MAX_ELEMENT_BYTES = 1024 * 1024;
const DEFAULT_MAX_DEPTH = 32;

/**
 * ```asn1
 * CertificateList ::= SEQUENCE { tbsCertList TBSCertList, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
 * TBSCertList ::= SEQUENCE {
 *   version Version OPTIONAL, signature AlgorithmIdentifier, issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
 *   revokedCertificates SEQUENCE OF SEQUENCE { … } OPTIONAL, crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 * ```
 * A push-based, resumable CRL reader: feed chunks of any size with `push`, then call `end` for the result. Entries go to
 * `onEntry` as one reused view; only the unconsumed tail of a chunk (an incomplete entry or header element) is kept between
 * chunks, so memory stays flat for any CRL size. The signature over tbsCertList is checked while the bytes stream past.
 */
export class CrlScanner {
  private readonly maxBytes: number;
  private readonly maxElementBytes: number;
  private readonly maxDepth: number;
  private readonly options: CrlScanOptions;
  private readonly problems = new ProblemLog();
  private readonly h = createStreamHeader();
  private readonly tail: TailBuffer;
  private readonly loop: EntryLoopState;
  private readonly fields: HeaderFields;

  private step = Step.Outer;
  /** absolute offset of buf[0] in the current run */
  private base = 0;
  /** absolute offset of the first byte not yet consumed (the tail's first byte, when there is a tail) */
  private consumed = 0;
  private received = 0;
  /** bytes needed, from the first unconsumed byte, before the next step can run */
  private need = 0;
  private outerEnd = -1;
  private tbsStart = -1;
  private tbsEnd = -1;
  private hashFrom = -1;
  private verifier: SignatureVerifier | null = null;
  /** tbsCertList bytes consumed before the signature algorithm was known (a few hundred bytes at most) */
  private pendingHash: Uint8Array[] = [];
  /** an issuer key was given and the algorithm is one this engine can verify (or not yet known) */
  private hashing: boolean;
  private failure: unknown = null;
  private signatureMalformed = false;
  private header: CrlHeader | null = null;
  private signatureValue: Uint8Array | null = null;
  private signatureAlgorithmDer: Uint8Array | null = null;

  constructor(options: CrlScanOptions = {}) {
    this.options = options;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxElementBytes = options.maxElementBytes ?? DEFAULT_MAX_ELEMENT_BYTES;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.tail = new TailBuffer();
    const view: CrlEntryView = {
      buf: new Uint8Array(0),
      serialStart: 0,
      serialEnd: 0,
      serialNumber: -1,
      revocationDate: 0,
      reason: -1,
      invalidityDate: NaN,
      certificateIssuerStart: -1,
      certificateIssuerEnd: -1,
      index: 0,
      offset: 0,
    };
    this.loop = {
      view,
      onEntry: options.onEntry,
      base: 0,
      revokedEnd: -1,
      index: 0,
      maxElementBytes: this.maxElementBytes,
      maxDepth: this.maxDepth,
      v1: true,
      reasonCounts: new Float64Array(UNKNOWN_REASON_SLOT + 1),
      problems: this.problems,
    };
    this.fields = createHeaderFields();
    this.hashing = options.issuerKey !== undefined;
  }

  /** Feeds the next bytes of the CRL. Throws DerError (absolute offset, field path) as soon as the input cannot be a CRL. */
  push(input: Uint8Array): void {
    if (this.failure !== null) throw this.failure;
    const chunk = plainBytes(input);
    try {
      // maxBytes is enforced on the CertificateList's declared length (see run): bytes past that length are trailing data, so
      // no input can grow beyond maxBytes unnoticed, and the error is the same however the input is chunked.
      this.received += chunk.length;
      let off = 0;
      // Complete the pending element from the front of the chunk, copying only the bytes it still needs.
      while (this.tail.length > 0 && off < chunk.length) {
        const take = Math.min(this.need - this.tail.length, chunk.length - off);
        this.tail.append(chunk, off, take);
        off += take;
        if (this.tail.length < this.need) return;
        this.base = this.consumed;
        const p = this.run(this.tail.bytes, 0, this.tail.length);
        if (p === 0 && this.need <= this.tail.length)
          throw new X509Error('CRL_MALFORMED', `scanner made no progress at byte ${this.consumed}`);
        this.tail.drop(p);
        this.consumed += p;
      }
      if (this.tail.length === 0 && off < chunk.length) {
        this.base = this.consumed - off;
        const p = this.run(chunk, off, chunk.length);
        this.consumed = this.base + p;
        if (p < chunk.length) this.tail.append(chunk, p, chunk.length - p);
      }
    } catch (e) {
      this.failure = e;
      this.verifier?.close?.();
      throw e;
    }
  }

  /** Ends the input: throws DER_TRUNCATED (naming the field being read) unless a whole CertificateList was read. */
  end(): CrlScanResult {
    if (this.failure !== null) throw this.failure;
    const header = this.header;
    const signatureValue = this.signatureValue;
    const signatureAlgorithmDer = this.signatureAlgorithmDer;
    if (this.step !== Step.Done || header === null || signatureValue === null || signatureAlgorithmDer === null) {
      this.failure = new DerError(
        'DER_TRUNCATED',
        `input ends at byte ${this.received} before the element is complete`,
        this.consumed,
        this.path(),
      );
      this.verifier?.close?.();
      throw this.failure;
    }
    return this.result(header, signatureValue, signatureAlgorithmDer);
  }

  private result(header: CrlHeader, signatureValue: Uint8Array, signatureAlgorithmDer: Uint8Array): CrlScanResult {
    let signature: CrlScanResult['signature'] = 'not_checked';
    if (this.options.issuerKey !== undefined) {
      if (this.signatureMalformed) this.verifier?.close?.();
      signature = this.verifier !== null && !this.signatureMalformed && this.verifier.verify(signatureValue) ? 'valid' : 'invalid';
      if (signature === 'invalid' && header.signatureAlgorithmSupported && !this.signatureMalformed) {
        this.problems.add('SIGNATURE_INVALID', 'the signature does not verify with the issuer key', this.tbsEnd);
      }
    }
    const extensions = this.fields.extensions ?? emptyCrlExtensions();
    if (header.version === 1 && extensions.extensions.length > 0) {
      this.problems.add('ENTRY_EXTENSIONS_IN_V1', 'a v1 CRL has crlExtensions', this.tbsStart);
    }
    const reasons: Record<string, number> = {};
    this.loop.reasonCounts.forEach((n, code) => {
      if (n > 0) reasons[code === UNKNOWN_REASON_SLOT ? 'unknown' : (CRL_REASONS[code] ?? 'unknown')] = n;
    });
    const problems = this.problems.list();
    return {
      header,
      ...extensions,
      entryCount: this.loop.index,
      reasons,
      signature,
      usable: problems.length === 0,
      problems,
      byteLength: this.outerEnd,
      signatureValue,
      signatureAlgorithmDer,
    };
  }

  /** The field the scanner is reading now, for errors. */
  private path(): string {
    return this.step === Step.Entries ? entryPath(this.loop.index, '') : STEP_PATHS[this.step];
  }

  /**
   * Advances through `buf[pos, end)` as far as whole elements allow; returns the first unconsumed position (`this.need` then says
   * how many bytes from there the next step needs).
   */
  private run(buf: Uint8Array, pos: number, end: number): number {
    const h = this.h;
    let p = pos;
    for (;;) {
      const step = this.step;
      if (step === Step.Entries) {
        this.loop.base = this.base;
        p = scanEntries(this.loop, buf, p, end);
        if (this.base + p !== this.loop.revokedEnd) {
          this.need = entryBytesNeeded(buf, p, end);
          break;
        }
        this.step = Step.ExtensionsAfterEntries;
        continue;
      }
      if (step === Step.Done) {
        if (p < end)
          throw new DerError(
            'DER_TRAILING_DATA',
            `${end - p}+ bytes after the end of the CertificateList`,
            this.base + p,
            'certificateList',
          );
        break;
      }
      const at = this.base + p;
      // Optional TBSCertList fields are absent when tbsCertList ends here.
      if (at === this.tbsEnd && step >= Step.NextUpdateOrMore && step <= Step.ExtensionsAfterEntries) {
        this.emitHeader();
        this.step = Step.SignatureAlgorithm;
        continue;
      }
      if (p >= end) {
        this.need = 1;
        break;
      }
      const tag = buf[p] as number;
      if (step === Step.VersionOrSignature) {
        this.step = tag === TAG.INTEGER ? Step.VersionOrSignature : Step.Signature;
      } else if (step === Step.NextUpdateOrMore && tag !== TAG.UTC_TIME && tag !== TAG.GENERALIZED_TIME) {
        this.emitHeader();
        this.step = Step.RevokedOrExtensions;
        continue;
      } else if (step === Step.RevokedOrExtensions || step === Step.ExtensionsAfterEntries) {
        if (tag === 0xa0) {
          this.step = Step.CrlExtensions;
          continue;
        }
        if (step === Step.ExtensionsAfterEntries)
          throw new DerError(
            'DER_MALFORMED',
            `expected crlExtensions [0] or the end of tbsCertList, found tag 0x${tag.toString(16)}`,
            at,
            this.path(),
          );
      }
      if (!readStreamHeader(h, buf, p, end, this.base, this.path())) {
        this.need = h.need;
        break;
      }
      const containerEnd =
        this.step === Step.Outer
          ? this.maxBytes
          : this.step === Step.Tbs || this.step >= Step.SignatureAlgorithm
            ? this.outerEnd
            : this.tbsEnd;
      if (this.base + h.contentEnd > containerEnd) {
        if (this.step === Step.Outer)
          throw new DerError(
            'INPUT_TOO_LARGE',
            `CertificateList declares ${h.contentEnd - p} bytes, more than maxBytes ${this.maxBytes}`,
            at,
            this.path(),
          );
        throw new DerError(
          'DER_MALFORMED',
          `element of ${h.contentEnd - h.contentStart} bytes runs past the end of its parent`,
          at,
          this.path(),
        );
      }
      // Containers: only the header is needed before moving inside.
      if (this.step === Step.Outer || this.step === Step.Tbs || this.step === Step.RevokedOrExtensions) {
        p = this.enterContainer(h.tag, p, at);
        continue;
      }
      if (h.contentEnd - p > this.maxElementBytes) {
        throw new DerError(
          'INPUT_TOO_LARGE',
          `element of ${h.contentEnd - p} bytes exceeds maxElementBytes ${this.maxElementBytes}`,
          at,
          this.path(),
        );
      }
      if (h.contentEnd > end) {
        this.need = h.contentEnd - p;
        break;
      }
      p = this.readElement(buf, p, at);
    }
    this.flushHash(buf, p);
    return p;
  }

  private enterContainer(tag: number, p: number, at: number): number {
    const h = this.h;
    if (tag !== TAG.SEQUENCE) {
      const what = this.step === Step.RevokedOrExtensions ? 'revokedCertificates SEQUENCE or crlExtensions [0]' : 'SEQUENCE';
      throw new DerError('DER_MALFORMED', `expected ${what}, found tag 0x${tag.toString(16)}`, at, this.path());
    }
    const end = at + (h.contentEnd - p);
    if (this.step === Step.Outer) {
      this.outerEnd = end;
      this.step = Step.Tbs;
    } else if (this.step === Step.Tbs) {
      this.tbsStart = at;
      this.hashFrom = at;
      this.tbsEnd = end;
      this.step = Step.VersionOrSignature;
    } else {
      this.loop.revokedEnd = end;
      this.step = Step.Entries;
    }
    return h.contentStart;
  }

  /** A whole header or trailer element is in `buf` at `p`: read it and move on. */
  private readElement(buf: Uint8Array, p: number, at: number): number {
    const h = this.h;
    const tlv = { tag: h.tag, start: p, contentStart: h.contentStart, contentEnd: h.contentEnd };
    const step = this.step;
    if (step === Step.SignatureAlgorithm) {
      if (h.tag !== TAG.SEQUENCE)
        throw new DerError('DER_MALFORMED', `expected SEQUENCE, found tag 0x${h.tag.toString(16)}`, at, this.path());
      const der = copyBytes(buf, p, h.contentEnd);
      this.signatureAlgorithmDer = der;
      if (!sameBytes(der, this.fields.signatureDer)) {
        this.problems.add('SIGNATURE_ALGORITHM_MISMATCH', 'signatureAlgorithm differs from tbsCertList.signature', at);
      }
      this.step = Step.SignatureValue;
    } else if (step === Step.SignatureValue) {
      if (h.tag !== TAG.BIT_STRING)
        throw new DerError('DER_MALFORMED', `expected BIT STRING, found tag 0x${h.tag.toString(16)}`, at, this.path());
      this.signatureValue = this.readSignatureBits(buf, h.contentStart, h.contentEnd, at);
      if (at + (h.contentEnd - p) !== this.outerEnd)
        throw new DerError(
          'DER_MALFORMED',
          'extra data inside CertificateList after signatureValue',
          at + (h.contentEnd - p),
          'certificateList',
        );
      this.step = Step.Done;
    } else if (step === Step.CrlExtensions) {
      readHeaderElement(step, buf, tlv, this.base, this.fields, this.maxDepth, this.problems);
      if (at + (h.contentEnd - p) !== this.tbsEnd)
        throw new DerError('DER_MALFORMED', 'data after crlExtensions inside tbsCertList', at + (h.contentEnd - p), 'tbsCertList');
      this.emitHeader();
      this.step = Step.SignatureAlgorithm;
    } else {
      readHeaderElement(step, buf, tlv, this.base, this.fields, this.maxDepth, this.problems);
      if (step === Step.Signature) this.startVerifier(buf, h.contentEnd);
      if (step === Step.VersionOrSignature) this.loop.v1 = this.fields.version === 1;
      this.step =
        step === Step.VersionOrSignature
          ? Step.Signature
          : step === Step.NextUpdateOrMore
            ? Step.RevokedOrExtensions
            : ((step + 1) as Step);
      if (step === Step.NextUpdateOrMore) this.emitHeader();
    }
    return h.contentEnd;
  }

  /**
   * signatureValue BIT STRING: a signature is whole octets, so unused bits mean it cannot verify. That is a bad signature (as
   * OpenSSL reports PKITS BadCRLSignatureCACRL), not a parse error, as long as the BIT STRING itself is valid DER.
   */
  private readSignatureBits(buf: Uint8Array, start: number, end: number, at: number): Uint8Array {
    // an empty BIT STRING has no unused-bits octet: the byte at `start` then belongs to whatever follows (or to no one)
    const unused = end > start ? (buf[start] as number) : -1;
    if (unused < 0 || unused > 7 || (unused > 0 && end - start < 2)) {
      throw new DerError('DER_MALFORMED', 'signatureValue is not a valid BIT STRING', at, 'signatureValue');
    }
    if (unused > 0) {
      if (((buf[end - 1] as number) & ((1 << unused) - 1)) !== 0)
        throw new DerError('DER_MALFORMED', 'BIT STRING unused bits are not zero (not DER)', this.base + end - 1, 'signatureValue');
      this.problems.add('SIGNATURE_INVALID', `signatureValue has ${unused} unused bits: not a signature`, at);
      this.signatureMalformed = true;
    }
    return copyBytes(buf, start + 1, end);
  }

  /** tbsCertList.signature is known: start hashing tbsCertList (its bytes so far are in `buf` or already pending). */
  private startVerifier(buf: Uint8Array, p: number): void {
    const key = this.options.issuerKey;
    const alg = this.fields.signatureAlgorithm;
    if (key === undefined || alg === null || !alg.supported) {
      this.hashing = false;
      this.pendingHash = [];
      return;
    }
    this.flushHash(buf, p);
    const from = this.options.hashOnWorkerFromBytes;
    const hashOnWorker = from !== undefined && this.tbsEnd - this.tbsStart >= from;
    this.verifier = createSignatureVerifier(alg.algorithm, key, { hashOnWorker });
    for (const piece of this.pendingHash) this.verifier.update(piece);
    this.pendingHash = [];
  }

  /** Feeds tbsCertList bytes consumed up to `p` to the verifier: once per run (per chunk), never per entry. */
  private flushHash(buf: Uint8Array, p: number): void {
    if (!this.hashing || this.hashFrom < 0) return;
    const upto = Math.min(this.base + p, this.tbsEnd);
    if (upto <= this.hashFrom) return;
    const bytes = buf.subarray(this.hashFrom - this.base, upto - this.base);
    if (this.verifier !== null) this.verifier.update(bytes);
    else this.pendingHash.push(copyBytes(bytes));
    this.hashFrom = upto;
  }

  private emitHeader(): void {
    if (this.header !== null) return;
    const f = this.fields;
    if (f.signatureAlgorithm === null || f.issuer === null || f.thisUpdate === null) {
      throw new DerError('DER_MALFORMED', 'tbsCertList ends before signature, issuer and thisUpdate', this.tbsStart, 'tbsCertList');
    }
    this.header = {
      version: f.version,
      signatureAlgorithm: f.signatureAlgorithm.algorithm,
      signatureAlgorithmSupported: f.signatureAlgorithm.supported,
      issuer: f.issuer,
      thisUpdate: new Date(f.thisUpdate),
      nextUpdate: f.nextUpdate === null ? null : new Date(f.nextUpdate),
      tbsOffset: this.tbsStart,
    };
    this.options.onHeader?.(this.header);
  }
}

/**
 * The chunk as a plain Uint8Array over the same memory (no copy). Streams hand out Buffers, the tail between chunks is a
 * Uint8Array, and certificates parsed before the scan are Uint8Arrays: a hot loop that sees both shapes is compiled for one, then
 * thrown away ("wrong map") at the first chunk boundary and recompiled for two — a tenth of a 1-million-entry scan, and slower
 * code after (bench/RESULTS.md, crl inspect). One shape keeps every byte read in the scan monomorphic.
 */
function plainBytes(chunk: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(chunk) === Uint8Array.prototype ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function sameBytes(a: Uint8Array, b: Uint8Array | null): boolean {
  if (b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
