/** Request and response schemas of /v1/verify and /v1/challenges (also what /openapi.json shows for them). */
import { z } from '@hono/zod-openapi';
import { RAW_ALGORITHM_NAMES } from '@jpki-validator/x509';
import { AuditPurposeSchema, ModeSchema, ValidateResponseSchema } from './schemas.js';

const rfc3339 = z.string().openapi({ example: '2026-10-01T03:00:00Z', description: 'RFC 3339 UTC, no fractional seconds' });
const base64 = (description: string) =>
  z
    .string()
    .min(1)
    .openapi({ format: 'byte', description: `${description} (base64)` });
const algorithm = z
  .enum(RAW_ALGORITHM_NAMES)
  .openapi({ description: "default: from the certificate's key — RSA rsa-pkcs1-sha256 (what the card produces), EC ecdsa-<curve's hash>" });

export const VerifyItemSchema = z
  .object({
    id: z.union([z.string(), z.number()]).optional().openapi({ description: 'echoed in the answer' }),
    data: base64('the signed document').optional(),
    digest: base64("the document's digest under the algorithm's hash (32 bytes for SHA-256)").optional(),
    signature: base64('the signature'),
    algorithm: algorithm.optional(),
  })
  .strict()
  .openapi('VerifyItem');

export const VerifyRequestSchema = z
  .object({
    certificate: z
      .string()
      .min(1)
      .optional()
      .openapi({ description: 'the signer certificate, PEM or base64 DER; optional with `cms` when the message carries it' }),
    signature: base64('one signature: give it with `data` or `digest`, or with `challengeId`').optional(),
    data: base64('the signed document (also the detached content of `cms`)').optional(),
    digest: base64('the digest of the signed document (also of the detached content of `cms`)').optional(),
    algorithm: algorithm.optional(),
    items: z.array(VerifyItemSchema).min(1).max(1_000).optional().openapi({ description: 'several documents signed with one certificate' }),
    cms: z
      .string()
      .min(1)
      .optional()
      .openapi({ description: 'a CMS SignedData (`openssl cms -sign -outform PEM|DER`), PEM or base64 DER' }),
    challengeId: z
      .string()
      .min(1)
      .optional()
      .openapi({ description: 'a login: `signature` is over the challenge nonce (POST /v1/challenges)' }),
    purpose: z.enum(['document', 'login']).optional().openapi({
      description:
        'document → a signature certificate (sign) is required; login → an authentication one (auth). Default: login with challengeId, else document',
    }),
    auditPurpose: AuditPurposeSchema,
    includePersonal: z
      .boolean()
      .optional()
      .openapi({ description: 'ask for the JPKI 4 basic details; given only to an API key with the `personal` scope' }),
    at: z
      .string()
      .optional()
      .openapi({ description: 'judge revocation as of this ISO time (a signing time the caller vouches for); default now' }),
    mode: ModeSchema.optional(),
  })
  .strict()
  .openapi('VerifyRequest');

export const VerifyResponseSchema = z
  .object({
    result: z.enum(['valid', 'invalid', 'unknown']).openapi({
      description:
        'valid: every signature verifies, the certificate is valid, its kind fits the purpose (and the challenge was live); unknown: only the revocation status is unknown',
    }),
    signature: z
      .enum(['valid', 'invalid', 'not_checked'])
      .openapi({ description: 'every signature together; not_checked when the challenge was unknown' }),
    items: z.array(
      z.object({
        id: z.union([z.string(), z.number()]).optional(),
        signature: z.enum(['valid', 'invalid', 'not_checked']),
        algorithm: z.string(),
      }),
    ),
    validation: ValidateResponseSchema.openapi({ description: 'the signer certificate, exactly as POST /v1/validate answers' }),
    purpose: z.enum(['document', 'login']),
    requiredKind: z.enum(['sign', 'auth']),
    kindFits: z.boolean(),
    cms: z
      .object({
        valid: z.boolean(),
        contentType: z.string(),
        detached: z.boolean(),
        digestAlgorithm: z.string(),
        signatureAlgorithm: z.string(),
        signingTime: rfc3339.nullable().openapi({ description: "the signer's own claim; compared with the certificate's validity only" }),
        checks: z.object({
          signedAttributes: z.boolean(),
          contentType: z.enum(['match', 'mismatch', 'absent', 'not_applicable']),
          messageDigest: z.enum(['match', 'mismatch', 'absent', 'not_applicable']),
          signature: z.enum(['valid', 'invalid']),
        }),
      })
      .nullable(),
    challenge: z
      .object({ challengeId: z.string(), status: z.enum(['accepted', 'expired', 'unknown_or_used']), expiresAt: rfc3339.nullable() })
      .nullable(),
    personal: z.object({
      requested: z.boolean(),
      included: z.boolean(),
      reason: z.enum(['not_requested', 'scope_missing', 'untrusted_certificate', 'no_basic_details']).optional(),
    }),
    basicDetails: z
      .object({
        name: z.string(),
        address: z.string(),
        birthDate: z.string().nullable().openapi({ description: 'the ISO date when fully known, else the known part (YYYY-MM, YYYY)' }),
        birthDatePrecision: z.enum(['day', 'month', 'year', 'season', 'unknown']).nullable(),
        birthDateSeason: z.enum(['spring', 'summer', 'autumn', 'winter']).nullable(),
        birthDateRaw: z.string().nullable().openapi({ description: 'the birth date text as the certificate holds it' }),
        birthDateEra: z.string(),
        gender: z.enum(['male', 'female', 'unknown']).nullable().openapi({ description: 'null: a code other than 1–3 (see genderRaw)' }),
        genderRaw: z.string().nullable(),
      })
      .optional()
      .openapi({ description: 'only when personal.included' }),
    errors: z.array(z.object({ code: z.string(), message: z.string() })),
  })
  .openapi('VerifyResponse');

export const ChallengeRequestSchema = z
  .object({ ttlSeconds: z.number().int().min(1).max(3_600).optional().openapi({ description: 'lifetime, default 300' }) })
  .strict()
  .openapi('ChallengeRequest');

export const ChallengeResponseSchema = z
  .object({
    challengeId: z.string().openapi({ example: 'q3v1bq3hP0yNQ9c2cZ0E1w' }),
    nonce: z.string().openapi({ format: 'byte', description: 'the bytes to sign with the authentication key (base64)' }),
    expiresAt: rfc3339,
  })
  .openapi('ChallengeResponse');
