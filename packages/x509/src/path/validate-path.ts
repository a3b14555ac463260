import { parseCertificate } from '../cert/parse-certificate.js';
import type { ParsedCertificate } from '../cert/types.js';
import { formatTime } from '../der/time.js';
import { reasonName } from '../reasons.js';
import { checkChain } from './cert-checks.js';
import { buildChain, SignatureCache } from './chain-builder.js';
import { CrlSignatureCache, loadCrls } from './crl-set.js';
import { createRevocationChecker } from './revocation.js';
import type {
  CertificateInput,
  PathError,
  PathErrorCode,
  PathResult,
  PathValidation,
  RevocationFinding,
  ValidatePathOptions,
} from './types.js';

export type * from './types.js';

const DEFAULT_MAX_DEPTH = 10;

/** Codes that make a path invalid outright, whatever revocation says. */
const INVALID_CODES: ReadonlySet<PathErrorCode> = new Set<PathErrorCode>([
  'ISSUER_NOT_FOUND',
  'SIGNATURE_INVALID',
  'SIGNATURE_UNSUPPORTED',
  'PATH_TOO_LONG',
  'NOT_A_CA',
  'PATH_LENGTH_EXCEEDED',
  'KEY_USAGE_NO_CERT_SIGN',
  'UNHANDLED_CRITICAL_EXTENSION',
]);

/**
 * A small RFC 5280 §6 path validator with full CRL checking (`openssl verify -crl_check_all`): builds the chain from `target` to a
 * trust anchor (issuer/subject names, authority/subject key identifiers, verified signatures), checks validity at the validation
 * time, basicConstraints, keyUsage and pathLenConstraint, then the revocation status of every certificate in the path from `crls`.
 *
 * Certificates that cannot be parsed throw X509Error CERT_MALFORMED and CRLs that cannot be parsed CRL_MALFORMED (naming the CRL):
 * bad input as a whole. Everything about the path itself is reported in the result, never thrown. Policy processing and name
 * constraints are not implemented (a critical nameConstraints or policyConstraints makes the path invalid), nor are indirect CRLs.
 */
export function validatePath(target: CertificateInput, options: ValidatePathOptions): PathValidation {
  const timeMs = (options.time ?? new Date()).getTime();
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const leaf = toParsed(target);
  const pool = dedupe((options.intermediates ?? []).map(toParsed));
  const anchors = dedupe(options.trustAnchors.map(toParsed));
  const signatures = new SignatureCache();

  const built = buildChain(leaf, { pool, anchors, maxDepth, signatures });
  if (!built.ok) {
    const { code, message, depth } = built.failure;
    return { result: 'invalid', errors: [{ code, message, depth }], chain: [], revocation: null };
  }
  const chain = built.chain;
  const errors = checkChain(chain, timeMs);
  const anchor = chain[chain.length - 1] as ParsedCertificate;

  let revocation: RevocationFinding | null = null;
  if (chain.length > 1) {
    // Only serials of certificates that can be on a CRL here are collected while scanning: the rest of a huge CRL streams past.
    const serials = new Set<bigint>([leaf.serial, ...pool.map((c) => c.serial)]);
    const crls = loadCrls(options.crls ?? [], serials);
    const statusOf = createRevocationChecker({ crls, pool, timeMs, maxDepth, signatures, crlSignatures: new CrlSignatureCache() });
    for (let depth = 0; depth + 1 < chain.length; depth++) {
      const cert = chain[depth] as ParsedCertificate;
      const status = statusOf(cert, chain[depth + 1] as ParsedCertificate, anchor);
      if (status.status === 'revoked') {
        const reason = reasonName(status.entry.reason) ?? 'unspecified';
        const revokedAt = formatTime(status.entry.revocationDateMs);
        const crlNumber = status.crl.scan.crlNumber;
        revocation ??= {
          depth,
          serial: cert.serialHex,
          reason,
          revokedAt,
          crl: status.crl.label,
          crlNumber: crlNumber === null ? null : crlNumber.toString(),
        };
        errors.push({
          code: 'CERT_REVOKED',
          message: `${cert.subject.text} (serial ${cert.serialHex}) is revoked: ${reason} at ${revokedAt}, listed on ${status.crl.label}`,
          depth,
        });
      } else if (status.status === 'unknown') {
        const why =
          status.problems.length > 0
            ? status.problems
            : [{ code: 'CRL_NOT_FOUND' as const, message: `no usable CRL from ${cert.issuer.text}` }];
        errors.push(...why.map((p) => ({ ...p, depth })));
      }
    }
  }
  return { result: summarisePathErrors(errors), errors, chain, revocation };
}

/**
 * One verdict from every finding, in the order the contract checks: signature and structure (`invalid`), then the validity period,
 * then revocation (`revoked`, or `unknown` when the status could not be determined).
 */
export function summarisePathErrors(errors: readonly PathError[]): PathResult {
  const has = (code: PathErrorCode): boolean => errors.some((e) => e.code === code);
  if (errors.some((e) => INVALID_CODES.has(e.code))) return 'invalid';
  if (has('CERT_EXPIRED')) return 'expired';
  if (has('CERT_NOT_YET_VALID')) return 'not_yet_valid';
  if (has('CERT_REVOKED')) return 'revoked';
  return errors.length > 0 ? 'unknown' : 'valid';
}

const PEM_START = Buffer.from('-----BEGIN');

function toParsed(input: CertificateInput): ParsedCertificate {
  if (typeof input === 'string') return parseCertificate(input);
  if (!(input instanceof Uint8Array)) return input;
  // A certificate file read as bytes may be PEM; parseCertificate takes PEM only as text.
  const isPemText = Buffer.from(input.buffer, input.byteOffset, Math.min(input.byteLength, 64)).includes(PEM_START);
  return parseCertificate(isPemText ? Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1') : input);
}

/** The same certificate given twice (as a chain file and a trust file, say) is one candidate. */
function dedupe(certs: ParsedCertificate[]): ParsedCertificate[] {
  const seen = new Set<string>();
  return certs.filter((c) => {
    const key = Buffer.from(c.der.buffer, c.der.byteOffset, c.der.byteLength).toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
