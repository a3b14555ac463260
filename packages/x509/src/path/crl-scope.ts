import type { DistributionPoint, ParsedCertificate } from '../cert/types.js';
import type { DistinguishedName, IssuingDistributionPoint } from '../crl/types.js';
import { REASON_FLAG_NAMES, type CrlReason } from '../reasons.js';

/**
 * ReasonFlags as a bit mask (bit n = ReasonFlags bit n). "All reasons" is the eight real reasons; bit 0 (`unused`) is left out
 * because no revocation can carry it.
 */
export const ALL_REASONS = REASON_FLAG_NAMES.reduce((mask, name, bit) => (name === null ? mask : mask | (1 << bit)), 0);

export function reasonMask(names: readonly string[] | null): number {
  if (names === null) return ALL_REASONS;
  let mask = 0;
  for (const n of names) {
    const bit = REASON_FLAG_NAMES.indexOf(n as CrlReason);
    if (bit > 0) mask |= 1 << bit;
  }
  return mask;
}

export function reasonNames(mask: number): string[] {
  return REASON_FLAG_NAMES.flatMap((name, bit) => (name !== null && (mask & (1 << bit)) !== 0 ? [name] : []));
}

export type CrlScope = { inScope: true; reasons: number } | { inScope: false; code: 'CRL_OUT_OF_SCOPE' | 'INDIRECT_CRL'; why: string };

/**
 * The distribution points of `cert` that a CRL from the certificate's own issuer can serve (RFC 5280 §6.3.3 (b)(1)): those without
 * cRLIssuer, or whose cRLIssuer names the certificate's issuer. null when the certificate has no cRLDistributionPoints. An empty
 * list means every point names another CRL issuer: an indirect CRL, which this product does not support.
 */
export function directDistributionPoints(cert: ParsedCertificate): DistributionPoint[] | null {
  const dps = cert.cRLDistributionPoints;
  if (dps === null) return null;
  const issuer = `DirName:${cert.issuer.text}`;
  return dps.filter((dp) => dp.cRLIssuer === null || dp.cRLIssuer.includes(issuer));
}

/**
 * Whether a CRL issued under `crlIssuer`'s name with this issuingDistributionPoint covers `cert`, and for which reasons
 * (RFC 5280 §6.3.3 (b) and (d)): onlyContainsUserCerts / onlyContainsCACerts / onlyContainsAttributeCerts, distribution point names
 * (a nameRelativeToCRLIssuer is expanded under the CRL issuer's name before comparing), onlySomeReasons ∩ the matched points' reasons.
 */
export function crlScope(cert: ParsedCertificate, crlIssuer: DistinguishedName, idp: IssuingDistributionPoint | null): CrlScope {
  if (idp?.indirectCRL)
    return {
      inScope: false,
      code: 'INDIRECT_CRL',
      why: 'the CRL is indirect (issuingDistributionPoint indirectCRL), which this product does not support',
    };
  if (idp?.onlyContainsAttributeCerts)
    return { inScope: false, code: 'CRL_OUT_OF_SCOPE', why: 'the CRL only covers attribute certificates' };
  const isCa = cert.basicConstraints?.cA === true;
  if (idp?.onlyContainsUserCerts && isCa)
    return { inScope: false, code: 'CRL_OUT_OF_SCOPE', why: 'the CRL only covers end-entity certificates and this is a CA certificate' };
  if (idp?.onlyContainsCACerts && !isCa)
    return { inScope: false, code: 'CRL_OUT_OF_SCOPE', why: 'the CRL only covers CA certificates and this is an end-entity certificate' };
  const crlReasons = reasonMask(idp?.onlySomeReasons ?? null);
  const idpNames = idp ? pointNames(idp, crlIssuer) : null;
  const dps = directDistributionPoints(cert);
  if (dps === null) {
    // §6.3.3 (b)(2)(i) with no point in the certificate: a CRL scoped to a named point covers only certificates that name it.
    if (idpNames)
      return {
        inScope: false,
        code: 'CRL_OUT_OF_SCOPE',
        why: `the CRL covers distribution point ${idpNames.join(' | ')} and the certificate names none`,
      };
    return { inScope: true, reasons: crlReasons };
  }
  if (dps.length === 0)
    return {
      inScope: false,
      code: 'INDIRECT_CRL',
      why: 'every cRLDistributionPoint of the certificate names another CRL issuer (indirect CRL), which this product does not support',
    };
  const matched = idpNames === null ? dps : dps.filter((dp) => pointNames(dp, cert.issuer)?.some((n) => idpNames.includes(n)) ?? false);
  if (matched.length === 0) {
    return {
      inScope: false,
      code: 'CRL_OUT_OF_SCOPE',
      why: `the CRL covers distribution point ${(idpNames ?? []).join(' | ')}, not one the certificate names`,
    };
  }
  const pointReasons = matched.reduce((mask, dp) => mask | reasonMask(dp.reasons), 0);
  return { inScope: true, reasons: crlReasons & pointReasons };
}

/** A distribution point's names as text, the relative form expanded under `relativeTo`; null when the point has no name. */
function pointNames(
  point: { fullName: string[] | null; nameRelativeToCRLIssuer: string | null },
  relativeTo: DistinguishedName,
): string[] | null {
  if (point.fullName) return point.fullName;
  if (point.nameRelativeToCRLIssuer !== null) {
    return [`DirName:${relativeTo.text ? `${point.nameRelativeToCRLIssuer},${relativeTo.text}` : point.nameRelativeToCRLIssuer}`];
  }
  return null;
}
