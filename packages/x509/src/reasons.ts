/**
 * The reason table: every place that names, numbers or flags a revocation reason reads it here.
 *
 * ```asn1
 * CRLReason ::= ENUMERATED { unspecified (0), keyCompromise (1), cACompromise (2), affiliationChanged (3), superseded (4),
 *   cessationOfOperation (5), certificateHold (6), -- value 7 is not used
 *   removeFromCRL (8), privilegeWithdrawn (9), aACompromise (10) }
 *
 * ReasonFlags ::= BIT STRING { unused (0), keyCompromise (1), cACompromise (2), affiliationChanged (3), superseded (4),
 *   cessationOfOperation (5), certificateHold (6), privilegeWithdrawn (7), aACompromise (8) }
 * ```
 */

/** CRLReason names by code; 7 is not used. */
export const CRL_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined,
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

export type CrlReason = Exclude<(typeof CRL_REASONS)[number], undefined>;

/** every reason name, in code order */
export const CRL_REASON_NAMES: readonly CrlReason[] = CRL_REASONS.filter((r): r is CrlReason => r !== undefined);

/** the code of removeFromCRL: a delta CRL's entry that un-lists a serial, never a revocation */
export const REMOVE_FROM_CRL = 8;

/** a reason a listed serial can carry: every reason but removeFromCRL */
export type ListingReason = Exclude<CrlReason, 'removeFromCRL'>;

/** the names a listed serial can carry, in code order (a non-empty tuple, as schema enums want it) */
export const LISTING_REASON_NAMES = CRL_REASON_NAMES.filter((r): r is ListingReason => r !== 'removeFromCRL') as unknown as readonly [
  ListingReason,
  ...ListingReason[],
];

/** the codes a listed serial can carry (every reason but removeFromCRL) */
export const LISTING_REASON_CODES: readonly number[] = CRL_REASONS.flatMap((r, code) =>
  r === undefined || code === REMOVE_FROM_CRL ? [] : [code],
);

const CODE_OF: ReadonlyMap<CrlReason, number> = new Map(CRL_REASON_NAMES.map((name) => [name, CRL_REASONS.indexOf(name)]));

export function reasonName(code: number): CrlReason | undefined {
  return code >= 0 && code < CRL_REASONS.length ? CRL_REASONS[code] : undefined;
}

export function reasonCode(name: CrlReason): number {
  return CODE_OF.get(name) ?? -1;
}

/** ReasonFlags bit n names CRLReason n, except bits 7 and 8: privilegeWithdrawn and aACompromise (codes 9 and 10); bit 0 is unused */
export const REASON_FLAG_NAMES: readonly (CrlReason | null)[] = Array.from({ length: 9 }, (_, bit) =>
  bit === 0 ? null : (CRL_REASONS[bit < 7 ? bit : bit + 2] ?? null),
);
