import type { PathErrorCode, PathResult } from '../../src/path/types.js';

/**
 * NIST PKITS (Public Key Interoperability Test Suite, "Test Certificates 2011") sections 4.4 (basic certificate revocation),
 * 4.14 (distribution points) and 4.15 (delta CRLs). Every path is EE → intermediates → TrustAnchorRootCertificate.crt, with
 * TrustAnchorRootCRL.crl in every CRL list. `pkits` is the specification's verdict; `expect` is what this validator answers
 * (`cert verify`'s result, one error code that must be present, and at which depth). Where they disagree — only the indirect-CRL
 * tests, which the product refuses by design — `deviation` says why. See README.md beside this file.
 */
export interface PkitsCase {
  id: string;
  name: string;
  ee: string;
  /** the intermediate certificates on the EE's path, issuer of the EE first */
  intermediates: string[];
  /** further certificates handed to the validator that are not on the path (separate CRL signers, other CAs of the test) */
  others: string[];
  /** CRLs besides TrustAnchorRootCRL.crl */
  crls: string[];
  pkits: 'valid' | 'invalid';
  expect: { result: PathResult; code?: PathErrorCode; depth?: number; reason?: string };
  deviation?: string;
}

const INDIRECT = 'indirect CRLs are refused by design (the contract): status cannot be determined';

function c(id: string, name: string, ee: string, intermediates: string[], crls: string[], pkits: 'valid' | 'invalid', expect: PkitsCase['expect'], extra: { others?: string[]; deviation?: string } = {}): PkitsCase {
  const tc: PkitsCase = { id, name, ee, intermediates, others: extra.others ?? [], crls, pkits, expect };
  if (extra.deviation !== undefined) tc.deviation = extra.deviation;
  return tc;
}

const VALID = { result: 'valid' } as const;
const revoked = (depth: number, reason?: string): PkitsCase['expect'] => (reason === undefined ? { result: 'revoked', code: 'CERT_REVOKED', depth } : { result: 'revoked', code: 'CERT_REVOKED', depth, reason });
const unknown = (code: PathErrorCode, depth = 0): PkitsCase['expect'] => ({ result: 'unknown', code, depth });

export const BASIC_REVOCATION: PkitsCase[] = [
  c('4.4.1', 'Missing CRL Test1', 'InvalidMissingCRLTest1EE.crt', ['NoCRLCACert.crt'], [], 'invalid', unknown('CRL_NOT_FOUND')),
  c('4.4.2', 'Invalid Revoked CA Test2', 'InvalidRevokedCATest2EE.crt', ['RevokedsubCACert.crt', 'GoodCACert.crt'], ['GoodCACRL.crl', 'RevokedsubCACRL.crl'], 'invalid', revoked(1, 'keyCompromise')),
  c('4.4.3', 'Invalid Revoked EE Test3', 'InvalidRevokedEETest3EE.crt', ['GoodCACert.crt'], ['GoodCACRL.crl'], 'invalid', revoked(0, 'keyCompromise')),
  c('4.4.4', 'Invalid Bad CRL Signature Test4', 'InvalidBadCRLSignatureTest4EE.crt', ['BadCRLSignatureCACert.crt'], ['BadCRLSignatureCACRL.crl'], 'invalid', unknown('CRL_SIGNATURE_INVALID')),
  c('4.4.5', 'Invalid Bad CRL Issuer Name Test5', 'InvalidBadCRLIssuerNameTest5EE.crt', ['BadCRLIssuerNameCACert.crt'], ['BadCRLIssuerNameCACRL.crl'], 'invalid', unknown('CRL_NOT_FOUND')),
  c('4.4.6', 'Invalid Wrong CRL Test6', 'InvalidWrongCRLTest6EE.crt', ['WrongCRLCACert.crt'], ['WrongCRLCACRL.crl'], 'invalid', unknown('CRL_NOT_FOUND')),
  c('4.4.7', 'Valid Two CRLs Test7', 'ValidTwoCRLsTest7EE.crt', ['TwoCRLsCACert.crt'], ['TwoCRLsCAGoodCRL.crl', 'TwoCRLsCABadCRL.crl'], 'valid', VALID),
  c('4.4.8', 'Invalid Unknown CRL Entry Extension Test8', 'InvalidUnknownCRLEntryExtensionTest8EE.crt', ['UnknownCRLEntryExtensionCACert.crt'], ['UnknownCRLEntryExtensionCACRL.crl'], 'invalid', unknown('CRL_UNUSABLE')),
  c('4.4.9', 'Invalid Unknown CRL Extension Test9', 'InvalidUnknownCRLExtensionTest9EE.crt', ['UnknownCRLExtensionCACert.crt'], ['UnknownCRLExtensionCACRL.crl'], 'invalid', unknown('CRL_UNUSABLE')),
  c('4.4.10', 'Invalid Unknown CRL Extension Test10', 'InvalidUnknownCRLExtensionTest10EE.crt', ['UnknownCRLExtensionCACert.crt'], ['UnknownCRLExtensionCACRL.crl'], 'invalid', unknown('CRL_UNUSABLE')),
  c('4.4.11', 'Invalid Old CRL nextUpdate Test11', 'InvalidOldCRLnextUpdateTest11EE.crt', ['OldCRLnextUpdateCACert.crt'], ['OldCRLnextUpdateCACRL.crl'], 'invalid', unknown('CRL_EXPIRED')),
  c('4.4.12', 'Invalid pre2000 CRL nextUpdate Test12', 'Invalidpre2000CRLnextUpdateTest12EE.crt', ['pre2000CRLnextUpdateCACert.crt'], ['pre2000CRLnextUpdateCACRL.crl'], 'invalid', unknown('CRL_EXPIRED')),
  c('4.4.13', 'Valid GeneralizedTime CRL nextUpdate Test13', 'ValidGeneralizedTimeCRLnextUpdateTest13EE.crt', ['GeneralizedTimeCRLnextUpdateCACert.crt'], ['GeneralizedTimeCRLnextUpdateCACRL.crl'], 'valid', VALID),
  c('4.4.14', 'Valid Negative Serial Number Test14', 'ValidNegativeSerialNumberTest14EE.crt', ['NegativeSerialNumberCACert.crt'], ['NegativeSerialNumberCACRL.crl'], 'valid', VALID),
  c('4.4.15', 'Invalid Negative Serial Number Test15', 'InvalidNegativeSerialNumberTest15EE.crt', ['NegativeSerialNumberCACert.crt'], ['NegativeSerialNumberCACRL.crl'], 'invalid', revoked(0)),
  c('4.4.16', 'Valid Long Serial Number Test16', 'ValidLongSerialNumberTest16EE.crt', ['LongSerialNumberCACert.crt'], ['LongSerialNumberCACRL.crl'], 'valid', VALID),
  c('4.4.17', 'Valid Long Serial Number Test17', 'ValidLongSerialNumberTest17EE.crt', ['LongSerialNumberCACert.crt'], ['LongSerialNumberCACRL.crl'], 'valid', VALID),
  c('4.4.18', 'Invalid Long Serial Number Test18', 'InvalidLongSerialNumberTest18EE.crt', ['LongSerialNumberCACert.crt'], ['LongSerialNumberCACRL.crl'], 'invalid', revoked(0)),
  c('4.4.19', 'Valid Separate Certificate and CRL Keys Test19', 'ValidSeparateCertificateandCRLKeysTest19EE.crt', ['SeparateCertificateandCRLKeysCertificateSigningCACert.crt'], ['SeparateCertificateandCRLKeysCRL.crl'], 'valid', VALID, { others: ['SeparateCertificateandCRLKeysCRLSigningCert.crt'] }),
  c('4.4.20', 'Invalid Separate Certificate and CRL Keys Test20', 'InvalidSeparateCertificateandCRLKeysTest20EE.crt', ['SeparateCertificateandCRLKeysCertificateSigningCACert.crt'], ['SeparateCertificateandCRLKeysCRL.crl'], 'invalid', revoked(0, 'keyCompromise'), { others: ['SeparateCertificateandCRLKeysCRLSigningCert.crt'] }),
  c('4.4.21', 'Invalid Separate Certificate and CRL Keys Test21', 'InvalidSeparateCertificateandCRLKeysTest21EE.crt', ['SeparateCertificateandCRLKeysCA2CertificateSigningCACert.crt'], ['SeparateCertificateandCRLKeysCA2CRL.crl'], 'invalid', unknown('CRL_SIGNER_REVOKED'), { others: ['SeparateCertificateandCRLKeysCA2CRLSigningCert.crt'] }),
];

const DP1 = ['distributionPoint1CACert.crt'];
const DP2 = ['distributionPoint2CACert.crt'];
const DP1_CRL = ['distributionPoint1CACRL.crl'];
const DP2_CRL = ['distributionPoint2CACRL.crl'];

export const DISTRIBUTION_POINTS: PkitsCase[] = [
  c('4.14.1', 'Valid distributionPoint Test1', 'ValiddistributionPointTest1EE.crt', DP1, DP1_CRL, 'valid', VALID),
  c('4.14.2', 'Invalid distributionPoint Test2', 'InvaliddistributionPointTest2EE.crt', DP1, DP1_CRL, 'invalid', revoked(0, 'keyCompromise')),
  c('4.14.3', 'Invalid distributionPoint Test3', 'InvaliddistributionPointTest3EE.crt', DP1, DP1_CRL, 'invalid', unknown('CRL_OUT_OF_SCOPE')),
  c('4.14.4', 'Valid distributionPoint Test4', 'ValiddistributionPointTest4EE.crt', DP1, DP1_CRL, 'valid', VALID),
  c('4.14.5', 'Valid distributionPoint Test5', 'ValiddistributionPointTest5EE.crt', DP2, DP2_CRL, 'valid', VALID),
  c('4.14.6', 'Invalid distributionPoint Test6', 'InvaliddistributionPointTest6EE.crt', DP2, DP2_CRL, 'invalid', revoked(0, 'keyCompromise')),
  c('4.14.7', 'Valid distributionPoint Test7', 'ValiddistributionPointTest7EE.crt', DP2, DP2_CRL, 'valid', VALID),
  c('4.14.8', 'Invalid distributionPoint Test8', 'InvaliddistributionPointTest8EE.crt', DP2, DP2_CRL, 'invalid', unknown('CRL_OUT_OF_SCOPE')),
  c('4.14.9', 'Invalid distributionPoint Test9', 'InvaliddistributionPointTest9EE.crt', DP2, DP2_CRL, 'invalid', unknown('CRL_OUT_OF_SCOPE')),
  c('4.14.10', 'Valid No issuingDistributionPoint Test10', 'ValidNoissuingDistributionPointTest10EE.crt', ['NoissuingDistributionPointCACert.crt'], ['NoissuingDistributionPointCACRL.crl'], 'valid', VALID),
  c('4.14.11', 'Invalid onlyContainsUserCerts CRL Test11', 'InvalidonlyContainsUserCertsTest11EE.crt', ['onlyContainsUserCertsCACert.crt'], ['onlyContainsUserCertsCACRL.crl'], 'invalid', unknown('CRL_OUT_OF_SCOPE')),
  c('4.14.12', 'Invalid onlyContainsCACerts CRL Test12', 'InvalidonlyContainsCACertsTest12EE.crt', ['onlyContainsCACertsCACert.crt'], ['onlyContainsCACertsCACRL.crl'], 'invalid', unknown('CRL_OUT_OF_SCOPE')),
  c('4.14.13', 'Valid onlyContainsCACerts CRL Test13', 'ValidonlyContainsCACertsTest13EE.crt', ['onlyContainsCACertsCACert.crt'], ['onlyContainsCACertsCACRL.crl'], 'valid', VALID),
  c('4.14.14', 'Invalid onlyContainsAttributeCerts Test14', 'InvalidonlyContainsAttributeCertsTest14EE.crt', ['onlyContainsAttributeCertsCACert.crt'], ['onlyContainsAttributeCertsCACRL.crl'], 'invalid', unknown('CRL_OUT_OF_SCOPE')),
  c('4.14.15', 'Invalid onlySomeReasons Test15', 'InvalidonlySomeReasonsTest15EE.crt', ['onlySomeReasonsCA1Cert.crt'], ['onlySomeReasonsCA1compromiseCRL.crl', 'onlySomeReasonsCA1otherreasonsCRL.crl'], 'invalid', revoked(0, 'keyCompromise')),
  c('4.14.16', 'Invalid onlySomeReasons Test16', 'InvalidonlySomeReasonsTest16EE.crt', ['onlySomeReasonsCA1Cert.crt'], ['onlySomeReasonsCA1compromiseCRL.crl', 'onlySomeReasonsCA1otherreasonsCRL.crl'], 'invalid', revoked(0, 'certificateHold')),
  c('4.14.17', 'Invalid onlySomeReasons Test17', 'InvalidonlySomeReasonsTest17EE.crt', ['onlySomeReasonsCA2Cert.crt'], ['onlySomeReasonsCA2CRL1.crl', 'onlySomeReasonsCA2CRL2.crl'], 'invalid', unknown('REASONS_NOT_COVERED')),
  c('4.14.18', 'Valid onlySomeReasons Test18', 'ValidonlySomeReasonsTest18EE.crt', ['onlySomeReasonsCA3Cert.crt'], ['onlySomeReasonsCA3compromiseCRL.crl', 'onlySomeReasonsCA3otherreasonsCRL.crl'], 'valid', VALID),
  c('4.14.19', 'Valid onlySomeReasons Test19', 'ValidonlySomeReasonsTest19EE.crt', ['onlySomeReasonsCA4Cert.crt'], ['onlySomeReasonsCA4compromiseCRL.crl', 'onlySomeReasonsCA4otherreasonsCRL.crl'], 'valid', VALID),
  c('4.14.20', 'Invalid onlySomeReasons Test20', 'InvalidonlySomeReasonsTest20EE.crt', ['onlySomeReasonsCA4Cert.crt'], ['onlySomeReasonsCA4compromiseCRL.crl', 'onlySomeReasonsCA4otherreasonsCRL.crl'], 'invalid', revoked(0, 'keyCompromise')),
  c('4.14.21', 'Invalid onlySomeReasons Test21', 'InvalidonlySomeReasonsTest21EE.crt', ['onlySomeReasonsCA4Cert.crt'], ['onlySomeReasonsCA4compromiseCRL.crl', 'onlySomeReasonsCA4otherreasonsCRL.crl'], 'invalid', revoked(0, 'affiliationChanged')),
  c('4.14.22', 'Valid IDP with indirectCRL Test22', 'ValidIDPwithindirectCRLTest22EE.crt', ['indirectCRLCA1Cert.crt'], ['indirectCRLCA1CRL.crl'], 'valid', unknown('INDIRECT_CRL'), { deviation: INDIRECT }),
  c('4.14.23', 'Invalid IDP with indirectCRL Test23', 'InvalidIDPwithindirectCRLTest23EE.crt', ['indirectCRLCA1Cert.crt'], ['indirectCRLCA1CRL.crl'], 'invalid', unknown('INDIRECT_CRL'), { deviation: INDIRECT }),
  c('4.14.24', 'Valid IDP with indirectCRL Test24', 'ValidIDPwithindirectCRLTest24EE.crt', ['indirectCRLCA2Cert.crt'], ['indirectCRLCA1CRL.crl'], 'valid', unknown('INDIRECT_CRL'), { others: ['indirectCRLCA1Cert.crt'], deviation: INDIRECT }),
  c('4.14.25', 'Valid IDP with indirectCRL Test25', 'ValidIDPwithindirectCRLTest25EE.crt', ['indirectCRLCA2Cert.crt'], ['indirectCRLCA1CRL.crl'], 'valid', unknown('INDIRECT_CRL'), { others: ['indirectCRLCA1Cert.crt'], deviation: INDIRECT }),
  c('4.14.26', 'Invalid IDP with indirectCRL Test26', 'InvalidIDPwithindirectCRLTest26EE.crt', ['indirectCRLCA2Cert.crt'], ['indirectCRLCA1CRL.crl'], 'invalid', unknown('INDIRECT_CRL'), { others: ['indirectCRLCA1Cert.crt'], deviation: INDIRECT }),
  c('4.14.27', 'Invalid cRLIssuer Test27', 'InvalidcRLIssuerTest27EE.crt', ['indirectCRLCA2Cert.crt'], ['GoodCACRL.crl'], 'invalid', unknown('INDIRECT_CRL'), { others: ['GoodCACert.crt'], deviation: INDIRECT }),
  c('4.14.28', 'Valid cRLIssuer Test28', 'ValidcRLIssuerTest28EE.crt', ['indirectCRLCA3Cert.crt'], ['indirectCRLCA3CRL.crl', 'indirectCRLCA3cRLIssuerCRL.crl'], 'valid', unknown('INDIRECT_CRL'), { others: ['indirectCRLCA3cRLIssuerCert.crt'], deviation: INDIRECT }),
  c('4.14.29', 'Valid cRLIssuer Test29', 'ValidcRLIssuerTest29EE.crt', ['indirectCRLCA3Cert.crt'], ['indirectCRLCA3CRL.crl', 'indirectCRLCA3cRLIssuerCRL.crl'], 'valid', unknown('INDIRECT_CRL'), { others: ['indirectCRLCA3cRLIssuerCert.crt'], deviation: INDIRECT }),
  c('4.14.30', 'Valid cRLIssuer Test30', 'ValidcRLIssuerTest30EE.crt', ['indirectCRLCA4Cert.crt'], ['indirectCRLCA4cRLIssuerCRL.crl'], 'valid', unknown('INDIRECT_CRL'), { others: ['indirectCRLCA4cRLIssuerCert.crt'], deviation: INDIRECT }),
  c('4.14.31', 'Invalid cRLIssuer Test31', 'InvalidcRLIssuerTest31EE.crt', ['indirectCRLCA6Cert.crt'], ['indirectCRLCA5CRL.crl'], 'invalid', unknown('INDIRECT_CRL'), { others: ['indirectCRLCA5Cert.crt'], deviation: INDIRECT }),
  c('4.14.32', 'Invalid cRLIssuer Test32', 'InvalidcRLIssuerTest32EE.crt', ['indirectCRLCA6Cert.crt'], ['indirectCRLCA5CRL.crl'], 'invalid', unknown('INDIRECT_CRL'), { others: ['indirectCRLCA5Cert.crt'], deviation: INDIRECT }),
  c('4.14.33', 'Valid cRLIssuer Test33', 'ValidcRLIssuerTest33EE.crt', ['indirectCRLCA6Cert.crt'], ['indirectCRLCA5CRL.crl'], 'valid', unknown('INDIRECT_CRL'), { others: ['indirectCRLCA5Cert.crt'], deviation: INDIRECT }),
  c('4.14.34', 'Invalid cRLIssuer Test34', 'InvalidcRLIssuerTest34EE.crt', ['indirectCRLCA5Cert.crt'], ['indirectCRLCA5CRL.crl'], 'invalid', unknown('INDIRECT_CRL'), { deviation: INDIRECT }),
  c('4.14.35', 'Invalid cRLIssuer Test35', 'InvalidcRLIssuerTest35EE.crt', ['indirectCRLCA5Cert.crt'], ['indirectCRLCA5CRL.crl'], 'invalid', unknown('INDIRECT_CRL'), { deviation: INDIRECT }),
];

const DELTA1 = ['deltaCRLCA1Cert.crt'];
const DELTA1_CRLS = ['deltaCRLCA1CRL.crl', 'deltaCRLCA1deltaCRL.crl'];
const DELTA2 = ['deltaCRLCA2Cert.crt'];
const DELTA2_CRLS = ['deltaCRLCA2CRL.crl', 'deltaCRLCA2deltaCRL.crl'];

export const DELTA_CRLS: PkitsCase[] = [
  c('4.15.1', 'Invalid deltaCRLIndicator No Base Test1', 'InvaliddeltaCRLIndicatorNoBaseTest1EE.crt', ['deltaCRLIndicatorNoBaseCACert.crt'], ['deltaCRLIndicatorNoBaseCACRL.crl'], 'invalid', unknown('DELTA_CRL_WITHOUT_BASE')),
  c('4.15.2', 'Valid delta-CRL Test2', 'ValiddeltaCRLTest2EE.crt', DELTA1, DELTA1_CRLS, 'valid', VALID),
  c('4.15.3', 'Invalid delta-CRL Test3', 'InvaliddeltaCRLTest3EE.crt', DELTA1, DELTA1_CRLS, 'invalid', revoked(0, 'keyCompromise')),
  c('4.15.4', 'Invalid delta-CRL Test4', 'InvaliddeltaCRLTest4EE.crt', DELTA1, DELTA1_CRLS, 'invalid', revoked(0, 'keyCompromise')),
  c('4.15.5', 'Valid delta-CRL Test5', 'ValiddeltaCRLTest5EE.crt', DELTA1, DELTA1_CRLS, 'valid', VALID),
  c('4.15.6', 'Invalid delta-CRL Test6', 'InvaliddeltaCRLTest6EE.crt', DELTA1, DELTA1_CRLS, 'invalid', revoked(0, 'keyCompromise')),
  c('4.15.7', 'Valid delta-CRL Test7', 'ValiddeltaCRLTest7EE.crt', DELTA1, DELTA1_CRLS, 'valid', VALID),
  c('4.15.8', 'Valid delta-CRL Test8', 'ValiddeltaCRLTest8EE.crt', DELTA2, DELTA2_CRLS, 'valid', VALID),
  c('4.15.9', 'Invalid delta-CRL Test9', 'InvaliddeltaCRLTest9EE.crt', DELTA2, DELTA2_CRLS, 'invalid', revoked(0, 'keyCompromise')),
  c('4.15.10', 'Invalid delta-CRL Test10', 'InvaliddeltaCRLTest10EE.crt', ['deltaCRLCA3Cert.crt'], ['deltaCRLCA3CRL.crl', 'deltaCRLCA3deltaCRL.crl'], 'invalid', unknown('CRL_EXPIRED')),
];

export const ALL_CASES: PkitsCase[] = [...BASIC_REVOCATION, ...DISTRIBUTION_POINTS, ...DELTA_CRLS];
