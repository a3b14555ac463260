/** Where the scanner is in `CertificateList`, in encoding order (the scanner compares steps by order). */
export enum Step {
  Outer,
  Tbs,
  VersionOrSignature,
  Signature,
  Issuer,
  ThisUpdate,
  NextUpdateOrMore,
  RevokedOrExtensions,
  Entries,
  ExtensionsAfterEntries,
  CrlExtensions,
  SignatureAlgorithm,
  SignatureValue,
  Done,
}

/** The field named in errors while the scanner is at a step (entries name their index instead). */
export const STEP_PATHS: Readonly<Record<Step, string>> = {
  [Step.Outer]: 'certificateList',
  [Step.Tbs]: 'tbsCertList',
  [Step.VersionOrSignature]: 'tbsCertList.version',
  [Step.Signature]: 'tbsCertList.signature',
  [Step.Issuer]: 'tbsCertList.issuer',
  [Step.ThisUpdate]: 'tbsCertList.thisUpdate',
  [Step.NextUpdateOrMore]: 'tbsCertList.nextUpdate',
  [Step.RevokedOrExtensions]: 'tbsCertList.revokedCertificates',
  [Step.Entries]: 'tbsCertList.revokedCertificates',
  [Step.ExtensionsAfterEntries]: 'tbsCertList.crlExtensions',
  [Step.CrlExtensions]: 'tbsCertList.crlExtensions',
  [Step.SignatureAlgorithm]: 'signatureAlgorithm',
  [Step.SignatureValue]: 'signatureValue',
  [Step.Done]: 'certificateList',
};
