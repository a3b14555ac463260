import type { ParsedCertificate } from '../cert/types.js';
import { buildChain, type SignatureCache } from './chain-builder.js';
import { checkChain } from './cert-checks.js';
import type { CrlSignatureCache, LoadedCrl } from './crl-set.js';
import { bytesEqual, namesEqual } from './names.js';
import type { CertStatus, StatusProblem } from './status-types.js';

export interface SignerContext {
  pool: readonly ParsedCertificate[];
  timeMs: number;
  maxDepth: number;
  signatures: SignatureCache;
  crlSignatures: CrlSignatureCache;
  /** the revocation status of a certificate given its issuer (memoised by the caller) */
  statusOf(cert: ParsedCertificate, issuer: ParsedCertificate, anchor: ParsedCertificate): CertStatus;
}

export type SignerOutcome = { ok: true; signer: ParsedCertificate } | { ok: false; problems: StatusProblem[] };

/**
 * Finds the key allowed to have signed `crl`, a CRL naming `cert`'s issuer (RFC 5280 §6.3.3 (f)): the issuing CA itself when its
 * keyUsage allows cRLSign, or — PKITS 4.4.19–21, a CA with separate certificate- and CRL-signing keys — another certificate with
 * that same subject name and keyUsage cRLSign, whose own path reaches the SAME trust anchor and is itself valid and not revoked.
 * Candidates whose subjectKeyIdentifier matches the CRL's authorityKeyIdentifier are tried first; the signature decides.
 */
export function findCrlSigner(crl: LoadedCrl, issuer: ParsedCertificate, anchor: ParsedCertificate, ctx: SignerContext): SignerOutcome {
  const crlIssuer = crl.scan.header.issuer;
  const others = ctx.pool.filter((c) => c !== issuer && !bytesEqual(c.der, issuer.der) && namesEqual(c.subject, crlIssuer));
  const candidates = byAuthorityKey(crl.scan.authorityKeyIdentifier, [issuer, ...others]);
  const problems: StatusProblem[] = [];
  let verified = false;
  for (const candidate of candidates) {
    if (!ctx.crlSignatures.verify(crl, candidate)) continue;
    verified = true;
    if (candidate.keyUsage && !candidate.keyUsage.cRLSign) {
      problems.push({
        code: 'CRL_SIGNER_NOT_FOUND',
        message: `${crl.label} is signed by ${candidate.subject.text}, whose keyUsage does not allow cRLSign`,
      });
      continue;
    }
    if (candidate === issuer) return { ok: true, signer: candidate };
    const problem = checkSeparateSigner(candidate, anchor, ctx, crl.label);
    if (problem === null) return { ok: true, signer: candidate };
    problems.push(problem);
  }
  if (!verified) {
    const tried = candidates.length;
    problems.push({
      code: 'CRL_SIGNATURE_INVALID',
      message: `${crl.label}: signature does not verify with the key of any of ${tried} certificate(s) named ${crlIssuer.text}`,
    });
  }
  return { ok: false, problems };
}

/** A CRL signer other than the issuing CA: its path to the same anchor must be valid and every certificate on it unrevoked. */
function checkSeparateSigner(
  signer: ParsedCertificate,
  anchor: ParsedCertificate,
  ctx: SignerContext,
  label: string,
): StatusProblem | null {
  const built = buildChain(signer, { pool: ctx.pool, anchors: [anchor], maxDepth: ctx.maxDepth, signatures: ctx.signatures });
  if (!built.ok)
    return {
      code: 'CRL_SIGNER_NOT_FOUND',
      message: `${label}: its signer ${signer.subject.text} has no valid path to the trust anchor (${built.failure.message})`,
    };
  const chain = built.chain;
  const pathErrors = checkChain(chain, ctx.timeMs);
  if (pathErrors.length > 0)
    return {
      code: 'CRL_SIGNER_NOT_FOUND',
      message: `${label}: the path of its signer is not valid (${pathErrors.map((e) => e.message).join('; ')})`,
    };
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i] as ParsedCertificate;
    const status = ctx.statusOf(cert, chain[i + 1] as ParsedCertificate, anchor);
    const which = i === 0 ? 'its signer' : 'a CA above its signer,';
    if (status.status === 'revoked')
      return { code: 'CRL_SIGNER_REVOKED', message: `${label}: ${which} ${cert.subject.text} (serial ${cert.serialHex}) is revoked` };
    if (status.status === 'unknown')
      return {
        code: 'CRL_SIGNER_UNKNOWN',
        message: `${label}: the revocation status of ${which} ${cert.subject.text} (serial ${cert.serialHex}) cannot be determined`,
      };
  }
  return null;
}

function byAuthorityKey(aki: Uint8Array | null, candidates: ParsedCertificate[]): ParsedCertificate[] {
  if (!aki) return candidates;
  const rank = (c: ParsedCertificate): number => (c.subjectKeyIdentifier === null ? 1 : bytesEqual(c.subjectKeyIdentifier, aki) ? 0 : 2);
  return [...candidates].sort((a, b) => rank(a) - rank(b));
}
