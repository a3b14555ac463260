import type { DistributionPoint, ParsedCertificate } from '../cert/types.js';
import { distributionPointNames, idpScopeNames, scopeNamesMeet, scopeNamesText, type ScopeName } from '../crl/scope-names.js';
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
  // the same name matching as the CRL fetcher's slots (crl/scope-names.ts): URIs normalised, directory names by canonical DER
  const idpNames = safeNames(() => idpScopeNames(idp, crlIssuer.der));
  if (idpNames === undefined)
    return { inScope: false, code: 'CRL_OUT_OF_SCOPE', why: "the CRL's issuingDistributionPoint names cannot be read" };
  const dps = directDistributionPoints(cert);
  if (dps === null) {
    // §6.3.3 (b)(2)(i) with no point in the certificate: a CRL scoped to a named point covers only certificates that name it.
    if (idpNames)
      return {
        inScope: false,
        code: 'CRL_OUT_OF_SCOPE',
        why: `the CRL covers distribution point ${scopeNamesText(idpNames)} and the certificate names none`,
      };
    return { inScope: true, reasons: crlReasons };
  }
  if (dps.length === 0)
    return {
      inScope: false,
      code: 'INDIRECT_CRL',
      why: 'every cRLDistributionPoint of the certificate names another CRL issuer (indirect CRL), which this product does not support',
    };
  const matched = idpNames === null ? dps : dps.filter((dp) => scopeNamesMeet(certPointNames(dp, cert.issuer), idpNames));
  if (matched.length === 0) {
    return {
      inScope: false,
      code: 'CRL_OUT_OF_SCOPE',
      why: `the CRL covers distribution point ${scopeNamesText(idpNames ?? [])}, not one the certificate names`,
    };
  }
  const pointReasons = matched.reduce((mask, dp) => mask | reasonMask(dp.reasons), 0);
  return { inScope: true, reasons: crlReasons & pointReasons };
}

/**
 * A certificate distribution point's names (a relative name expanded under the certificate's issuer, which is the CRL issuer of
 * a direct CRL); none when the point has no name or its names cannot be read.
 */
export function certPointNames(dp: DistributionPoint, issuer: DistinguishedName): ScopeName[] {
  if (dp.distributionPointDer === null) return [];
  return safeNames(() => distributionPointNames(dp.distributionPointDer as Uint8Array, issuer.der)) ?? [];
}

/** undefined when the names cannot be read (already-parsed DER, so only a hostile encoding gets here) */
function safeNames<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
