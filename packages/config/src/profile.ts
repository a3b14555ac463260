import { CRL_REASONS, type CrlReason } from '@jpki-validator/x509';

/** A reason → meaning map: how the business reads each RFC 5280 reason under a profile. */
export type MeaningMap = Readonly<Partial<Record<CrlReason, string>>>;

/**
 * The built-in `jpki` profile (CONTRACT.md "Meaning"). J-LIS's own CPS words these codes differently from the common reading,
 * which is why operators can override the map in the config without a release.
 */
export const JPKI_PROFILE: MeaningMap = Object.freeze({
  affiliationChanged: 'death_or_emigration',
  superseded: 'basic_info_changed',
  cessationOfOperation: 'card_lost_or_emigration',
  certificateHold: 'suspended_card_lost',
});

export const BUILT_IN_PROFILES: Readonly<Record<string, MeaningMap>> = Object.freeze({ jpki: JPKI_PROFILE, rfc5280: Object.freeze({}) });

/** RFC 5280 reason names in snake_case, written out: `cACompromise` is `ca_compromise`, which no regex gets right. */
const SNAKE: Readonly<Record<CrlReason, string>> = {
  unspecified: 'unspecified',
  keyCompromise: 'key_compromise',
  cACompromise: 'ca_compromise',
  affiliationChanged: 'affiliation_changed',
  superseded: 'superseded',
  cessationOfOperation: 'cessation_of_operation',
  certificateHold: 'certificate_hold',
  removeFromCRL: 'remove_from_crl',
  privilegeWithdrawn: 'privilege_withdrawn',
  aACompromise: 'aa_compromise',
};
const snake = (reason: CrlReason): string => SNAKE[reason];

/** Resolves a reason to its meaning: the map's word, else the reason in snake_case (`keyCompromise` → `key_compromise`). */
export function createMeaningResolver(map: MeaningMap): (reason: CrlReason) => string {
  const table = new Map<string, string>();
  for (const reason of CRL_REASONS) if (reason) table.set(reason, map[reason] ?? snake(reason));
  return (reason) => table.get(reason) ?? snake(reason);
}
