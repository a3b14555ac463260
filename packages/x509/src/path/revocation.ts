import type { ParsedCertificate } from '../cert/types.js';
import type { CrlProblem } from '../crl/types.js';
import { formatTime } from '../der/time.js';
import { ALL_REASONS, crlScope, directDistributionPoints, reasonNames } from './crl-scope.js';
import type { LoadedCrl, ListedEntry } from './crl-set.js';
import { findCrlSigner, type SignerContext } from './crl-signer.js';
import { bytesEqual, namesEqual } from './names.js';
import type { CertStatus, StatusProblem } from './status-types.js';
import { REMOVE_FROM_CRL } from '../reasons.js';

/** CRLReason removeFromCRL: on a delta CRL it un-lists a certificate held on the base. */

export interface RevocationContext extends Omit<SignerContext, 'statusOf'> {
  crls: readonly LoadedCrl[];
}

/**
 * `openssl verify -crl_check_all` for a whole chain: the revocation status of every certificate but the anchor, memoised so that
 * CRL-signer paths (which share most of the chain) are judged once. `issuers[i]` is the certificate that issued `chain[i]`.
 */
export function createRevocationChecker(
  ctx: RevocationContext,
): (cert: ParsedCertificate, issuer: ParsedCertificate, anchor: ParsedCertificate) => CertStatus {
  const memo = new Map<ParsedCertificate, CertStatus>();
  const inProgress = new Set<ParsedCertificate>();
  const statusOf = (cert: ParsedCertificate, issuer: ParsedCertificate, anchor: ParsedCertificate): CertStatus => {
    const known = memo.get(cert);
    if (known) return known;
    if (inProgress.has(cert)) {
      // A CRL signer whose own status hangs on the CRL it signed: RFC 5280 gives no way out, so the status stays unknown.
      return {
        status: 'unknown',
        problems: [{ code: 'CRL_SIGNER_UNKNOWN', message: `the revocation status of ${cert.subject.text} depends on itself` }],
      };
    }
    inProgress.add(cert);
    try {
      const status = determineStatus(cert, issuer, anchor, { ...ctx, statusOf });
      memo.set(cert, status);
      return status;
    } finally {
      inProgress.delete(cert);
    }
  };
  return statusOf;
}

/**
 * RFC 5280 §6.3.3, one certificate: complete CRLs naming its issuer, newest first, each checked for scope (issuingDistributionPoint
 * vs the certificate's cRLDistributionPoints), time (thisUpdate ≤ time ≤ nextUpdate), usability (no unknown critical extension, not
 * indirect) and signature (by a key allowed to sign CRLs); the newest applicable delta CRL is applied on top. A listed serial is
 * `revoked` (certificateHold included); the status is `good` once the usable CRLs cover every reason, `unknown` otherwise.
 */
function determineStatus(
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  anchor: ParsedCertificate,
  ctx: RevocationContext & SignerContext,
): CertStatus {
  if (directDistributionPoints(cert)?.length === 0) {
    const issuers = (cert.cRLDistributionPoints ?? []).flatMap((dp) => dp.cRLIssuer ?? []).join(' | ');
    return {
      status: 'unknown',
      problems: [
        {
          code: 'INDIRECT_CRL',
          message: `revocation is published by another CRL issuer (${issuers}) in an indirect CRL, which this product does not support`,
        },
      ],
    };
  }
  const named = ctx.crls.filter((c) => namesEqual(c.scan.header.issuer, cert.issuer));
  const complete = named
    .filter((c) => c.scan.deltaCrlIndicator === null)
    .sort((a, b) => b.scan.header.thisUpdate.getTime() - a.scan.header.thisUpdate.getTime());
  const deltas = named.filter((c) => c.scan.deltaCrlIndicator !== null);
  const problems: StatusProblem[] = [];
  if (named.length === 0) problems.push({ code: 'CRL_NOT_FOUND', message: `no CRL issued by ${cert.issuer.text}` });
  else if (complete.length === 0)
    problems.push({
      code: 'DELTA_CRL_WITHOUT_BASE',
      message: `only delta CRLs from ${cert.issuer.text}, no complete CRL to apply them to`,
    });

  let covered = 0;
  for (const base of complete) {
    const scope = crlScope(cert, base.scan.header.issuer, base.scan.issuingDistributionPoint);
    if (!scope.inScope) {
      problems.push({ code: scope.code, message: `${base.label}: ${scope.why}` });
      continue;
    }
    if ((scope.reasons & ~covered) === 0) continue;
    const unusable = crlUnusable(base, ctx.timeMs);
    if (unusable.length > 0) {
      problems.push(...unusable);
      continue;
    }
    const signer = findCrlSigner(base, issuer, anchor, ctx);
    if (!signer.ok) {
      problems.push(...signer.problems);
      continue;
    }
    const delta = newestDelta(base, deltas, signer.signer, ctx);
    const listing = lookUp(cert.serial, base, delta);
    if (listing) return { status: 'revoked', ...listing };
    covered |= scope.reasons;
    if (covered === ALL_REASONS) return { status: 'good' };
  }
  if (covered !== 0) {
    const missing = reasonNames(ALL_REASONS & ~covered).join(', ');
    problems.push({
      code: 'REASONS_NOT_COVERED',
      message: `the usable CRLs from ${cert.issuer.text} do not cover these reasons: ${missing}`,
    });
  }
  return { status: 'unknown', problems };
}

/** Why a CRL cannot be used at `timeMs`, whoever signed it: scanner problems, then its validity window. */
export function crlUnusable(crl: LoadedCrl, timeMs: number): StatusProblem[] {
  const { header, problems } = crl.scan;
  if (problems.length > 0) return problems.map((p) => ({ code: problemCode(p), message: `${crl.label}: ${p.message}` }));
  if (header.thisUpdate.getTime() > timeMs)
    return [
      { code: 'CRL_NOT_YET_VALID', message: `${crl.label}: thisUpdate ${formatTime(header.thisUpdate)} is after the validation time` },
    ];
  // The contract: a CRL without nextUpdate counts as stale.
  if (header.nextUpdate === null)
    return [{ code: 'CRL_NO_NEXT_UPDATE', message: `${crl.label}: no nextUpdate, so it cannot be known to be current` }];
  if (header.nextUpdate.getTime() < timeMs)
    return [{ code: 'CRL_EXPIRED', message: `${crl.label}: nextUpdate ${formatTime(header.nextUpdate)} has passed` }];
  return [];
}

function problemCode(p: CrlProblem): StatusProblem['code'] {
  switch (p.code) {
    case 'INDIRECT_CRL':
      return 'INDIRECT_CRL';
    case 'SIGNATURE_INVALID':
    case 'SIGNATURE_ALGORITHM_MISMATCH':
      return 'CRL_SIGNATURE_INVALID';
    default:
      return 'CRL_UNUSABLE';
  }
}

/**
 * RFC 5280 §5.2.4 / §6.3.3 (c): a delta applies to a complete CRL of the same issuer and scope whose cRLNumber is at least the
 * delta's BaseCRLNumber and below the delta's own number, and it must be current, usable and signed by the same key.
 */
function newestDelta(
  base: LoadedCrl,
  deltas: readonly LoadedCrl[],
  signer: ParsedCertificate,
  ctx: RevocationContext & SignerContext,
): LoadedCrl | null {
  const baseNumber = base.scan.crlNumber;
  if (baseNumber === null) return null;
  const baseIdp = base.scan.issuingDistributionPoint;
  const applicable = deltas.filter((d) => {
    const indicator = d.scan.deltaCrlIndicator;
    const number = d.scan.crlNumber;
    const idp = d.scan.issuingDistributionPoint;
    const sameScope = idp === null || baseIdp === null ? idp === baseIdp : bytesEqual(idp.der, baseIdp.der);
    return (
      sameScope &&
      indicator !== null &&
      indicator <= baseNumber &&
      (number === null || number > baseNumber) &&
      crlUnusable(d, ctx.timeMs).length === 0 &&
      ctx.crlSignatures.verify(d, signer)
    );
  });
  applicable.sort((a, b) => ((b.scan.crlNumber ?? 0n) > (a.scan.crlNumber ?? 0n) ? 1 : -1));
  return applicable[0] ?? null;
}

/** The delta's word wins (removeFromCRL un-lists); otherwise the base's listing. */
function lookUp(serial: bigint, base: LoadedCrl, delta: LoadedCrl | null): { entry: ListedEntry; crl: LoadedCrl } | null {
  const fromDelta = delta?.listed.get(serial);
  if (delta && fromDelta) return fromDelta.reason === REMOVE_FROM_CRL ? null : { entry: fromDelta, crl: delta };
  const fromBase = base.listed.get(serial);
  if (fromBase && fromBase.reason !== REMOVE_FROM_CRL) return { entry: fromBase, crl: base };
  return null;
}
