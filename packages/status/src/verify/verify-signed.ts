/**
 * What the card signed, judged end to end in one call: each signature (raw, over data or a digest; a CMS SignedData; or a login
 * challenge's nonce) with the signer certificate's key, the certificate's full validation exactly as /v1/validate gives it, and
 * whether its kind fits the purpose — a document signature needs a signature certificate (署名用, `sign`), a login an
 * authentication certificate (利用者証明用, `auth`). Revocation is judged at `check.atMs` (now by default): a CMS signingTime is
 * the signer's own claim and is only compared with the certificate's validity, never used as the time of the check.
 * A signature that does not verify is a verdict (`invalid`), never an error; input that cannot be judged throws
 * SignatureInputError naming the field.
 */
import {
  algorithmForKey,
  formatTime,
  parseCertificate,
  readCmsInput,
  readJpkiBasicDetails,
  viewJpkiBasicDetails,
  SignatureInputError,
  verifyCmsSigner,
  verifyRawSignature,
  X509Error,
  type CmsCheck,
  type CmsSignedMessage,
  type ParsedCertificate,
} from '@jpki-validator/x509';
import type { StatusResolver } from '../resolver.js';
import { validateCertificate, type ValidationReport } from '../validate.js';
import type { ChallengeOutcome, ChallengeStore } from './challenges.js';
import type { SignatureVerdict, VerifiedItem, VerifyErrorCode, VerifyInput, VerifyReport } from './types.js';

/** a signing time this far ahead of the clock is a claim from the future, not clock skew */
const SIGNING_TIME_SKEW_MS = 5 * 60_000;

export interface VerifyDeps {
  resolver: StatusResolver;
  /** null when the store has no key-value room: a challengeId is then refused */
  challenges: ChallengeStore | null;
  now?: () => number;
}

function certificateOf(input: string | Uint8Array, field = 'certificate'): ParsedCertificate {
  try {
    return parseCertificate(input);
  } catch (e) {
    if (e instanceof X509Error) throw new SignatureInputError(field, e.message.replace(/^malformed certificate: /, ''), { cause: e });
    throw e;
  }
}

/** The CMS signer's certificate: from the message, else the one the caller sent (for `openssl cms -nocerts` messages). */
function cmsSigner(message: CmsSignedMessage, given: ParsedCertificate | null): ParsedCertificate {
  const carried = message.certificates.find((c) => message.signer.matches(c)) ?? null;
  if (carried !== null && given !== null && Buffer.compare(carried.der, given.der) !== 0)
    throw new SignatureInputError('certificate', 'differs from the signer certificate the CMS message carries; send one or the other');
  const signer = carried ?? given;
  if (signer === null)
    throw new SignatureInputError('certificate', 'the CMS message carries no certificate matching its signer: send the certificate');
  if (carried === null && !message.signer.matches(signer))
    throw new SignatureInputError('certificate', `is not the CMS signer (the message names it by ${message.signer.by})`);
  return signer;
}

function exactlyOneSource(input: VerifyInput): void {
  const sources = [input.cms !== null, input.items.length > 0 && input.challengeId === null, input.challengeId !== null];
  if (sources.filter(Boolean).length !== 1)
    throw new SignatureInputError('(body)', 'give exactly one of: signature (with data or digest), items, cms, challengeId');
}

export async function verifySigned(deps: VerifyDeps, input: VerifyInput): Promise<VerifyReport> {
  exactlyOneSource(input);
  const now = deps.now ?? Date.now;
  const given = input.certificate === null ? null : certificateOf(input.certificate);
  const message = input.cms === null ? null : readCmsInput(input.cms);
  const cert = message !== null ? cmsSigner(message, given) : given;
  if (cert === null) throw new SignatureInputError('certificate', 'required');
  const key = cert.publicKey;
  if (key === null) throw new SignatureInputError('certificate', `its key cannot be used (${cert.publicKeyError ?? 'unknown reason'})`);

  const errors: VerifyReport['errors'] = [];
  const fail = (code: VerifyErrorCode, text: string): void => {
    errors.push({ code, message: text });
  };

  // the challenge is taken (consumed) before any verdict is reached, so no answer leaves it usable
  let challenge: ChallengeOutcome | null = null;
  if (input.challengeId !== null) {
    if (deps.challenges === null) throw new SignatureInputError('challengeId', 'this service keeps no challenges (no store)');
    if (input.items.length !== 1) throw new SignatureInputError('signature', 'a challenge is answered by exactly one signature');
    challenge = await deps.challenges.take(input.challengeId, input.owner);
  }

  let items: VerifiedItem[];
  let cms: CmsCheck | null = null;
  if (message !== null) {
    cms = verifyCmsSigner(message, key, input.cmsContent);
    items = [{ signature: cms.valid ? 'valid' : 'invalid', algorithm: cms.signatureAlgorithm }];
  } else if (challenge !== null) {
    const item = input.items[0];
    if (item === undefined || item.data !== undefined || item.digest !== undefined)
      throw new SignatureInputError('data', 'a challenge answer signs the challenge nonce: send no data or digest');
    if (challenge.status === 'unknown_or_used') {
      items = [{ signature: 'not_checked', algorithm: algorithmForKey(key, item.algorithm).name }];
    } else {
      const checked = verifyRawSignature(key, { data: challenge.nonce }, item.signature, item.algorithm);
      items = [{ signature: checked.valid ? 'valid' : 'invalid', algorithm: checked.algorithm.name }];
    }
  } else {
    items = input.items.map((item, i) => {
      const field = input.itemsListed === true ? `items.${i}` : '';
      const signed = item.data !== undefined ? { data: item.data } : item.digest !== undefined ? { digest: item.digest } : null;
      if (signed === null || (item.data !== undefined && item.digest !== undefined))
        throw new SignatureInputError(field ? `${field}.data` : 'data', 'give exactly one of data and digest');
      try {
        const checked = verifyRawSignature(key, signed, item.signature, item.algorithm);
        return {
          ...(item.id !== undefined ? { id: item.id } : {}),
          signature: checked.valid ? 'valid' : 'invalid',
          algorithm: checked.algorithm.name,
        };
      } catch (e) {
        if (e instanceof SignatureInputError && field)
          throw new SignatureInputError(`${field}.${e.field}`, e.message.replace(/^[^:]*: /, ''), { cause: e });
        throw e;
      }
    });
  }

  const validation = await validateCertificate(deps.resolver, Buffer.from(cert.der).toString('base64'), input.check);
  const purpose = input.purpose ?? (input.challengeId !== null ? 'login' : 'document');
  const requiredKind = purpose === 'login' ? 'auth' : 'sign';
  const kindFits = validation.certificate.kind === requiredKind;

  const signature = overall(items.map((i) => i.signature));
  items.forEach((item, i) => {
    const which = items.length > 1 ? `item ${i}${item.id !== undefined ? ` (id ${String(item.id)})` : ''}` : 'the signature';
    if (item.signature === 'invalid') fail('signature_invalid', `${which} does not verify with the certificate's key${cmsDetail(cms)}`);
  });
  if (challenge?.status === 'unknown_or_used')
    fail('challenge_unknown_or_used', 'no such challenge: never issued, already used (each is single use), or long expired');
  if (challenge?.status === 'expired') fail('challenge_expired', `the challenge expired at ${formatTime(new Date(challenge.expiresAtMs))}`);
  certificateErrors(validation, fail);
  if (!kindFits)
    fail(
      'kind_mismatch',
      `a ${purpose === 'login' ? 'login' : 'document signature'} needs a${requiredKind === 'auth' ? 'n authentication (利用者証明用)' : ' signature (署名用)'} certificate; this one is ${validation.certificate.kind}`,
    );
  if (cert.keyUsage !== null && !cert.keyUsage.digitalSignature && !cert.keyUsage.nonRepudiation)
    fail('key_usage', 'the certificate key usage allows neither digitalSignature nor nonRepudiation');
  const signingTime = cms?.signingTime ?? null;
  if (signingTime !== null) {
    if (signingTime < cert.notBefore || signingTime > cert.notAfter)
      fail('signing_time_outside_validity', `the CMS signingTime ${formatTime(signingTime)} is outside the certificate's validity`);
    else if (signingTime.getTime() > now() + SIGNING_TIME_SKEW_MS)
      fail('signing_time_in_future', `the CMS signingTime ${formatTime(signingTime)} is in the future`);
  }

  const report: VerifyReport = {
    result: errors.length === 0 ? 'valid' : errors.every((e) => e.code === 'certificate_status_unknown') ? 'unknown' : 'invalid',
    signature,
    items,
    validation,
    purpose,
    requiredKind,
    kindFits,
    cms: cms === null ? null : { ...cms, signingTime: signingTime === null ? null : formatTime(signingTime) },
    challenge:
      challenge === null || input.challengeId === null
        ? null
        : {
            challengeId: input.challengeId,
            status: challenge.status,
            expiresAt: challenge.status === 'unknown_or_used' ? null : formatTime(new Date(challenge.expiresAtMs)),
          },
    personal: { requested: input.personal.requested, included: false },
    errors,
  };
  addPersonal(report, cert, input.personal);
  return report;
}

function overall(verdicts: SignatureVerdict[]): SignatureVerdict {
  if (verdicts.includes('invalid')) return 'invalid';
  if (verdicts.includes('not_checked')) return 'not_checked';
  return 'valid';
}

function cmsDetail(cms: CmsCheck | null): string {
  if (cms === null) return '';
  const failed = Object.entries(cms.checks)
    .filter(([name, v]) => name !== 'signedAttributes' && v !== 'match' && v !== 'valid' && v !== 'not_applicable')
    .map(([name, v]) => `${name} ${String(v)}`);
  return failed.length > 0 ? ` (CMS: ${failed.join(', ')})` : '';
}

const CERTIFICATE_ERRORS: Readonly<Record<Exclude<ValidationReport['result'], 'valid'>, VerifyErrorCode>> = {
  invalid: 'certificate_invalid',
  revoked: 'certificate_revoked',
  expired: 'certificate_expired',
  not_yet_valid: 'certificate_not_yet_valid',
  unknown: 'certificate_status_unknown',
};

function certificateErrors(validation: ValidationReport, fail: (code: VerifyErrorCode, text: string) => void): void {
  if (validation.result === 'valid') return;
  const why = validation.errors.map((e) => e.message).join('; ');
  fail(CERTIFICATE_ERRORS[validation.result], `the certificate is ${validation.result}${why ? `: ${why}` : ''}`);
}

/** The 4 basic details: asked for, allowed for the caller, and read only from a certificate a configured CA issued. */
function addPersonal(report: VerifyReport, cert: ParsedCertificate, personal: VerifyInput['personal']): void {
  const reason = !personal.requested
    ? 'not_requested'
    : !personal.allowed
      ? 'scope_missing'
      : report.validation.certificate.caId === null
        ? 'untrusted_certificate'
        : null;
  if (reason !== null) {
    report.personal = { requested: personal.requested, included: false, reason };
    return;
  }
  let details: ReturnType<typeof readJpkiBasicDetails>;
  try {
    details = readJpkiBasicDetails(cert);
  } catch (e) {
    if (!(e instanceof X509Error)) throw e;
    details = null;
  }
  if (details === null) {
    report.personal = { requested: true, included: false, reason: 'no_basic_details' };
    return;
  }
  report.personal = { requested: true, included: true };
  report.basicDetails = viewJpkiBasicDetails(details);
}
