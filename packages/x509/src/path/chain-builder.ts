import type { ParsedCertificate } from '../cert/types.js';
import { verifySignature } from '../crypto/signature.js';
import { bytesEqual, namesEqual } from './names.js';
import type { PathErrorCode } from './types.js';

export type SignatureCheck = 'valid' | 'invalid' | 'unsupported';

/** Remembers which issuer key verified which certificate: CRL-signer paths re-walk most of the main chain. */
export class SignatureCache {
  private readonly results = new Map<ParsedCertificate, Map<ParsedCertificate, SignatureCheck>>();

  check(cert: ParsedCertificate, issuer: ParsedCertificate): SignatureCheck {
    let byIssuer = this.results.get(cert);
    if (!byIssuer) this.results.set(cert, (byIssuer = new Map()));
    let result = byIssuer.get(issuer);
    if (result === undefined) {
      result = computeSignatureCheck(cert, issuer);
      byIssuer.set(issuer, result);
    }
    return result;
  }
}

function computeSignatureCheck(cert: ParsedCertificate, issuer: ParsedCertificate): SignatureCheck {
  if (!cert.signatureAlgorithm || !issuer.publicKey) return 'unsupported';
  return verifySignature(cert.signatureAlgorithm, issuer.publicKey, cert.tbs, cert.signatureValue) ? 'valid' : 'invalid';
}

export interface ChainFailure {
  code: Extract<PathErrorCode, 'ISSUER_NOT_FOUND' | 'SIGNATURE_INVALID' | 'SIGNATURE_UNSUPPORTED' | 'PATH_TOO_LONG'>;
  message: string;
  /** depth of the certificate whose issuer could not be found or verified */
  depth: number;
  /** the longest partial chain tried, target first */
  partial: ParsedCertificate[];
}

export type ChainOutcome = { ok: true; chain: ParsedCertificate[] } | { ok: false; failure: ChainFailure };

export interface BuildChainOptions {
  pool: readonly ParsedCertificate[];
  anchors: readonly ParsedCertificate[];
  maxDepth: number;
  signatures: SignatureCache;
}

/**
 * RFC 5280 §6 path building, depth first: a certificate's issuer candidates are the trust anchors, then the pool certificates, whose
 * subject name equals its issuer name, those whose subjectKeyIdentifier equals its authorityKeyIdentifier tried first. Only a
 * verifying signature links two certificates, so an anchor with the right name and the wrong key (another JPKI generation) never
 * anchors a chain. Returns the first chain that reaches an anchor (target first, anchor last).
 */
export function buildChain(target: ParsedCertificate, options: BuildChainOptions): ChainOutcome {
  const { anchors, maxDepth, signatures } = options;
  if (anchors.some((a) => bytesEqual(a.der, target.der))) return { ok: true, chain: [target] };
  const pool = options.pool.filter((c) => !bytesEqual(c.der, target.der) && !anchors.some((a) => bytesEqual(a.der, c.der)));
  const worst: { failure: ChainFailure | null } = { failure: null };
  const fail = (f: ChainFailure): void => {
    // Report the failure that got furthest; at equal length a bad signature says more than a missing issuer.
    const b = worst.failure;
    if (!b || f.partial.length > b.partial.length || (f.partial.length === b.partial.length && b.code === 'ISSUER_NOT_FOUND'))
      worst.failure = f;
  };

  const extend = (path: ParsedCertificate[]): ParsedCertificate[] | null => {
    const cert = path[path.length - 1] as ParsedCertificate;
    const depth = path.length - 1;
    const matchingAnchors = byKeyHint(
      cert,
      anchors.filter((a) => namesEqual(a.subject, cert.issuer)),
    );
    const matchingPool = byKeyHint(
      cert,
      pool.filter((c) => namesEqual(c.subject, cert.issuer) && !path.includes(c)),
    );
    if (matchingAnchors.length === 0 && matchingPool.length === 0) {
      fail({
        code: 'ISSUER_NOT_FOUND',
        message: `no issuer certificate named ${cert.issuer.text} among the trust anchors and intermediates`,
        depth,
        partial: path,
      });
      return null;
    }
    let unsupported = false;
    for (const anchor of matchingAnchors) {
      const check = signatures.check(cert, anchor);
      if (check === 'valid') return [...path, anchor];
      unsupported ||= check === 'unsupported';
    }
    for (const ca of matchingPool) {
      const check = signatures.check(cert, ca);
      if (check !== 'valid') {
        unsupported ||= check === 'unsupported';
        continue;
      }
      if (path.length + 1 >= maxDepth) {
        fail({
          code: 'PATH_TOO_LONG',
          message: `no trust anchor within ${maxDepth} certificates`,
          depth: depth + 1,
          partial: [...path, ca],
        });
        continue;
      }
      const found = extend([...path, ca]);
      if (found) return found;
    }
    const tried = matchingAnchors.length + matchingPool.length;
    fail(
      unsupported
        ? {
            code: 'SIGNATURE_UNSUPPORTED',
            message: `cannot check the signature of ${cert.subject.text}: unsupported algorithm or issuer key`,
            depth,
            partial: path,
          }
        : {
            code: 'SIGNATURE_INVALID',
            message: `signature of ${cert.subject.text} does not verify with the key of any of ${tried} certificate(s) named ${cert.issuer.text}`,
            depth,
            partial: path,
          },
    );
    return null;
  };

  const chain = extend([target]);
  if (chain) return { ok: true, chain };
  const failure: ChainFailure = worst.failure ?? {
    code: 'ISSUER_NOT_FOUND',
    message: `no issuer found for ${target.subject.text}`,
    depth: 0,
    partial: [target],
  };
  return { ok: false, failure };
}

/** Candidates whose subjectKeyIdentifier matches the certificate's authorityKeyIdentifier first; a mismatch last (it is only a hint). */
function byKeyHint(cert: ParsedCertificate, candidates: ParsedCertificate[]): ParsedCertificate[] {
  const aki = cert.authorityKeyIdentifier;
  if (!aki) return candidates;
  const rank = (c: ParsedCertificate): number => (c.subjectKeyIdentifier === null ? 1 : bytesEqual(c.subjectKeyIdentifier, aki) ? 0 : 2);
  return [...candidates].sort((a, b) => rank(a) - rank(b));
}
