/**
 * Which CRLs may fill a configured CRL slot (RFC 5280 §5.2.5, §6.3.3 (b)). A slot is where the service keeps one CRL scope
 * current — the CA's full CRL, or one partition of it — and the service answers "good" for a serial that no loaded CRL lists only
 * because it believes each slot holds a COMPLETE list of its scope. So a CRL must prove, by what its CA signed into it, that it is
 * the slot's scope and complete for it:
 *
 * - a FULL slot takes a CRL without issuingDistributionPoint, or with one that has no distributionPoint (the CA's whole scope), or
 *   one whose distributionPoint names meet the slot's own names (a CA that names even its full CRL's location);
 * - a PARTITION slot takes only a CRL whose IDP distributionPoint names meet the slot's names (its URL, its directoryName): a CRL of
 *   another partition served at this URL — genuine, current and correctly signed — would otherwise fill the slot, and every
 *   certificate of this partition would answer "good" from a CRL that never covered it;
 * - in both, the CRL must be complete for end-entity certificates, which is all this service answers for:
 *   - onlySomeReasons: the CRL lists only revocations for some reasons; a serial it does not list may be revoked for another
 *     reason on a CRL we do not have. Refused (never partially trusted: an unlisted serial must not read as good);
 *   - onlyContainsCACerts: it covers CA certificates only; every end-entity serial would be "not listed". Refused;
 *   - onlyContainsAttributeCerts: it covers attribute certificates only. Refused;
 *   - onlyContainsUserCerts: it covers exactly the end-entity certificates asked about. Accepted;
 *   - indirectCRL: entries may belong to other issuers. Refused (this product does not support indirect CRLs).
 */
import type { IssuingDistributionPoint } from './types.js';
import { idpScopeNames, scopeNamesMeet, scopeNamesText, type ScopeName } from './scope-names.js';

export interface CrlSlotScope {
  /**
   * `full`: the CA's complete CRL; `partition`: one distribution point's CRL; `any`: whatever scope the CRL names, complete for it
   * (an offline check, where each CRL file is its own slot and the caller asks what it covers)
   */
  kind: 'full' | 'partition' | 'any';
  /** the slot's names (URL, directoryName); for a full slot, optional names its CRL's IDP may carry */
  names: readonly ScopeName[];
}

export type SlotScopeRejection = 'scope_mismatch' | 'scope_incomplete' | 'indirect';

export type SlotScopeVerdict = { ok: true } | { ok: false; reason: SlotScopeRejection; message: string };

/** How a CRL describes its own scope: whether it is complete for end-entity certificates, and the names it covers. */
export interface CrlOwnScope {
  /** null when the CRL has no distributionPoint (it is the CA's whole scope) */
  names: ScopeName[] | null;
  /** why the CRL is not complete for end-entity certificates (empty when it is) */
  narrowedBy: string[];
  indirect: boolean;
}

export function crlOwnScope(idp: IssuingDistributionPoint | null, crlIssuerDer: Uint8Array): CrlOwnScope {
  const narrowedBy: string[] = [];
  if (idp?.onlySomeReasons) narrowedBy.push(`onlySomeReasons (${idp.onlySomeReasons.join(', ') || 'none'})`);
  if (idp?.onlyContainsCACerts) narrowedBy.push('onlyContainsCACerts');
  if (idp?.onlyContainsAttributeCerts) narrowedBy.push('onlyContainsAttributeCerts');
  return { names: idpScopeNames(idp, crlIssuerDer), narrowedBy, indirect: idp?.indirectCRL === true };
}

/** Whether a CRL (its IDP and issuer Name DER) may fill `slot`; the message says what was expected and what was found. */
export function checkCrlSlotScope(slot: CrlSlotScope, idp: IssuingDistributionPoint | null, crlIssuerDer: Uint8Array): SlotScopeVerdict {
  const own = crlOwnScope(idp, crlIssuerDer);
  if (own.indirect) return { ok: false, reason: 'indirect', message: 'the CRL is indirect (issuingDistributionPoint indirectCRL)' };
  if (own.narrowedBy.length > 0) {
    return {
      ok: false,
      reason: 'scope_incomplete',
      message: `the CRL covers only part of its scope (issuingDistributionPoint ${own.narrowedBy.join(', ')}); a serial it does not list could still be revoked`,
    };
  }
  if (slot.kind === 'any') return { ok: true };
  const expected = slot.names.length > 0 ? scopeNamesText(slot.names) : '(no names configured)';
  if (slot.kind === 'full') {
    if (own.names === null || scopeNamesMeet(own.names, slot.names)) return { ok: true };
    return {
      ok: false,
      reason: 'scope_mismatch',
      message: `a full-CRL slot was served a partition CRL (distribution point ${scopeNamesText(own.names)}; the slot is ${expected})`,
    };
  }
  if (own.names === null) {
    return {
      ok: false,
      reason: 'scope_mismatch',
      message: `partition slot ${expected} was served a CRL without a distribution point in its issuingDistributionPoint (a full CRL, or a CRL of unknown scope)`,
    };
  }
  if (scopeNamesMeet(own.names, slot.names)) return { ok: true };
  return {
    ok: false,
    reason: 'scope_mismatch',
    message: `the CRL covers distribution point ${scopeNamesText(own.names)}, not this slot's ${expected}`,
  };
}
