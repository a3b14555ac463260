/** Object identifiers, named as the RFCs name them. */
export const OID = {
  // RFC 5280 §4.2.1 / §5.2 / §5.3 extensions
  id_ce_subjectKeyIdentifier: '2.5.29.14',
  id_ce_keyUsage: '2.5.29.15',
  id_ce_subjectAltName: '2.5.29.17',
  id_ce_issuerAltName: '2.5.29.18',
  id_ce_basicConstraints: '2.5.29.19',
  id_ce_cRLNumber: '2.5.29.20',
  id_ce_cRLReasons: '2.5.29.21',
  id_ce_invalidityDate: '2.5.29.24',
  id_ce_deltaCRLIndicator: '2.5.29.27',
  id_ce_issuingDistributionPoint: '2.5.29.28',
  id_ce_certificateIssuer: '2.5.29.29',
  id_ce_nameConstraints: '2.5.29.30',
  id_ce_cRLDistributionPoints: '2.5.29.31',
  id_ce_certificatePolicies: '2.5.29.32',
  id_ce_policyMappings: '2.5.29.33',
  id_ce_authorityKeyIdentifier: '2.5.29.35',
  id_ce_policyConstraints: '2.5.29.36',
  id_ce_extKeyUsage: '2.5.29.37',
  id_ce_freshestCRL: '2.5.29.46',
  id_ce_inhibitAnyPolicy: '2.5.29.54',
  id_pe_authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  id_ad_ocsp: '1.3.6.1.5.5.7.48.1',
  id_ad_caIssuers: '1.3.6.1.5.5.7.48.2',
  id_kp_OCSPSigning: '1.3.6.1.5.5.7.3.9',
  id_pkix_ocsp_basic: '1.3.6.1.5.5.7.48.1.1',
  id_pkix_ocsp_nonce: '1.3.6.1.5.5.7.48.1.2',
  id_pkix_ocsp_nocheck: '1.3.6.1.5.5.7.48.1.5',

  // algorithms
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha224WithRSAEncryption: '1.2.840.113549.1.1.14',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  id_RSASSA_PSS: '1.2.840.113549.1.1.10',
  id_mgf1: '1.2.840.113549.1.1.8',
  id_ecPublicKey: '1.2.840.10045.2.1',
  ecdsa_with_SHA1: '1.2.840.10045.4.1',
  ecdsa_with_SHA224: '1.2.840.10045.4.3.1',
  ecdsa_with_SHA256: '1.2.840.10045.4.3.2',
  ecdsa_with_SHA384: '1.2.840.10045.4.3.3',
  ecdsa_with_SHA512: '1.2.840.10045.4.3.4',
  id_dsa: '1.2.840.10040.4.1',
  id_dsa_with_sha1: '1.2.840.10040.4.3',
  dsa_with_sha256: '2.16.840.1.101.3.4.3.2',
  id_sha1: '1.3.14.3.2.26',
  id_sha224: '2.16.840.1.101.3.4.2.4',
  id_sha256: '2.16.840.1.101.3.4.2.1',
  id_sha384: '2.16.840.1.101.3.4.2.2',
  id_sha512: '2.16.840.1.101.3.4.2.3',

  // JPKI (J-LIS) certificate policies and subjectAltName otherName types
  jpki_policy_sign: '1.2.392.200149.8.5.1.1.20',
  jpki_policy_auth: '1.2.392.200149.8.5.1.3.30',
  jpki_name: '1.2.392.200149.8.5.5.1',
  jpki_name_substitute: '1.2.392.200149.8.5.5.2',
  jpki_gender: '1.2.392.200149.8.5.5.3',
  jpki_birth_date: '1.2.392.200149.8.5.5.4',
  jpki_address: '1.2.392.200149.8.5.5.5',
  jpki_address_substitute: '1.2.392.200149.8.5.5.6',
} as const;

/** RFC 5280 CRLReason, by code. 7 is not used. */
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

export function reasonName(code: number): CrlReason | undefined {
  return code >= 0 && code < CRL_REASONS.length ? CRL_REASONS[code] : undefined;
}

export function reasonCode(name: CrlReason): number {
  return CRL_REASONS.indexOf(name);
}

/** Short attribute names for readable DNs (RFC 4514 plus the usual extras OpenSSL prints). */
export const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};
