/**
 * Request and response schemas, declared once: the same objects validate requests, type the handlers and generate
 * /openapi.json, so the three cannot drift.
 */
import { z } from '@hono/zod-openapi';
import { CRL_REASONS } from '@jpki-validator/x509';
import { STATUS_MODES } from '@jpki-validator/status';

const reasons = CRL_REASONS.filter((r): r is Exclude<typeof r, undefined> => r !== undefined);
const rfc3339 = z.string().openapi({ example: '2026-10-01T03:00:00Z', description: 'RFC 3339 UTC, no fractional seconds' });

export const ModeSchema = z
  .enum(STATUS_MODES as [string, ...string[]])
  .openapi({ description: "overrides the issuer's configured OCSP policy" });

/** the audit history's purpose of a question (audit/purpose.ts) */
export const PurposeQuerySchema = z
  .string()
  .max(64)
  .optional()
  .openapi({
    param: { name: 'purpose', in: 'query' },
    description:
      'why the question is asked, recorded in the audit history: `signature_verification`, `liveness_check`, `death_check`, or free text ' +
      '(with `audit.purposes` configured, one of those three or of that list; else 400)',
  });

/** the same, as a body field of /v1/validate and /v1/verify (whose `purpose` is the kind of signature) */
export const AuditPurposeSchema = z
  .string()
  .max(64)
  .optional()
  .openapi({
    description:
      'why the certificate is checked, recorded in the audit history: `signature_verification`, `liveness_check`, `death_check`, ' +
      'or free text (with `audit.purposes` configured, one of those three or of that list; else 400)',
  });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details (application/problem+json)' });

export const CrlInfoSchema = z
  .object({
    number: z.string().openapi({ description: 'decimal CRL number' }),
    thisUpdate: rfc3339,
    nextUpdate: rfc3339.nullable(),
    stale: z.boolean(),
    partition: z
      .string()
      .optional()
      .openapi({
        description:
          "the partition the answer stood on: present when the question named the serial's partition (`partition`), or the " +
          "certificate's distribution point did (/v1/validate); only that partition had to be fresh",
      }),
    stalePartitions: z
      .number()
      .int()
      .optional()
      .openapi({
        description:
          'a stale answer about an issuer of several partitions, asked without `partition`: how many of its partitions are stale or ' +
          'not loaded (a bare serial is good only when every one is fresh)',
      }),
  })
  .openapi('CrlInfo', {
    description:
      'the CRL data an answer stands on: the partition that limits freshness (earliest nextUpdate), or the one partition asked about',
  });

export const OcspInfoSchema = z.object({ producedAt: rfc3339, thisUpdate: rfc3339, nextUpdate: rfc3339.nullable() }).openapi('OcspInfo');

export const StatusAnswerSchema = z
  .object({
    issuer: z.string().openapi({ description: 'echoes the request: an issuer id or a group' }),
    caId: z.string().nullable(),
    medium: z
      .enum(['card', 'smartphone'])
      .nullable()
      .openapi({ description: "the asked issuer's medium: the My Number Card or a smartphone certificate; null for an unknown issuer" }),
    serial: z.string().openapi({ example: '7F00D015' }),
    status: z.enum(['good', 'revoked', 'unknown']),
    reason: z.enum(reasons as [string, ...string[]]).nullable(),
    meaning: z.string().nullable().openapi({ example: 'death_or_emigration' }),
    meaningLabel: z.string().nullable().optional().openapi({
      description: 'the meaning in words; present only when asked for (Accept-Language: ja or en, or the profile labelLanguage)',
      example: '死亡または国外転出',
    }),
    revokedAt: rfc3339.nullable(),
    invalidityDate: rfc3339.nullable(),
    source: z.enum(['crl', 'ocsp']).nullable(),
    crl: CrlInfoSchema.nullable(),
    ocsp: OcspInfoSchema.optional(),
    detail: z
      .enum([
        'issuer_unknown',
        'issuer_not_loaded',
        'crl_stale',
        'ocsp_unavailable',
        'ocsp_unknown',
        'store_unavailable',
        'malformed_serial',
      ])
      .optional(),
    anomaly: z.literal(true).optional(),
    checkedAt: rfc3339,
  })
  .openapi('StatusAnswer');

export const StatusParamsSchema = z.object({
  issuer: z
    .string()
    .min(1)
    .openapi({ param: { name: 'issuer', in: 'path' }, example: 'jpki-sign' }),
  serial: z
    .string()
    .min(1)
    .openapi({ param: { name: 'serial', in: 'path' }, example: '7F00D015', description: 'hex, optional 0x, 1–20 octets' }),
});

/** a configured partition's name, as `/v1/issuers` lists them */
const PartitionNameSchema = z.string().min(1).max(200);

export const StatusQuerySchema = z.object({
  at: z
    .string()
    .optional()
    .openapi({ param: { name: 'at', in: 'query' }, description: 'ISO time: the status as of that moment' }),
  mode: ModeSchema.optional().openapi({ param: { name: 'mode', in: 'query' } }),
  partition: PartitionNameSchema.optional().openapi({
    param: { name: 'partition', in: 'query' },
    description:
      "the serial's configured partition (from its certificate's CRL distribution point, e.g. `p0123`): a CRL answer needs only " +
      "that partition fresh, while another municipality's CRL may be stale. A name the issuer does not have is a 400. Trust it as " +
      'you trust the certificate you read it from: it decides which CRL vouches for the serial',
    example: 'p0123',
  }),
  purpose: PurposeQuerySchema,
});

/** an item's `id`: echoed in its answer as given, whatever JSON value it is */
const BatchIdSchema = z.unknown().openapi({ description: 'any JSON value, echoed in the answer as given' });

export const BatchItemSchema = z
  .object({
    issuer: z.string(),
    serial: z.string(),
    id: BatchIdSchema.optional(),
    partition: z
      .string()
      .optional()
      .openapi({
        description:
          "the serial's configured partition, as the status GET's `partition` query: only that partition needs to be fresh. A name " +
          "none of the issuer's CAs has (or a value that is not a string) is ignored: the item is answered by the whole-issuer rule",
      }),
  })
  .openapi('BatchItem', {
    description:
      'A bad item never fails the batch: one without a string issuer or serial (or not an object at all) is answered in place ' +
      'with `status: unknown` — `malformed_serial` when the serial is missing or not a string, `issuer_unknown` when the issuer is.',
  });

export const MAX_JSON_BATCH_ITEMS = 10_000;

export const BatchRequestSchema = z.object({ items: z.array(BatchItemSchema) }).openapi('BatchRequest');

export const BatchAnswerSchema = StatusAnswerSchema.extend({ id: BatchIdSchema.optional() }).openapi('BatchAnswer');

export const BatchResponseSchema = z.object({ results: z.array(BatchAnswerSchema) }).openapi('BatchResponse');

export const ValidateRequestSchema = z
  .object({
    certificate: z.string().min(1).openapi({ description: 'PEM or base64 DER' }),
    at: z.string().optional(),
    mode: ModeSchema.optional(),
    auditPurpose: AuditPurposeSchema,
  })
  .openapi('ValidateRequest');

export const ValidateResponseSchema = z
  .object({
    result: z.enum(['valid', 'revoked', 'expired', 'not_yet_valid', 'invalid', 'unknown']),
    status: StatusAnswerSchema,
    certificate: z.object({
      serial: z.string(),
      caId: z.string().nullable(),
      kind: z.enum(['sign', 'auth', 'other']),
      medium: z.enum(['card', 'smartphone']).nullable(),
      subject: z.string(),
      notBefore: rfc3339,
      notAfter: rfc3339,
    }),
    errors: z.array(z.object({ code: z.string(), message: z.string() })),
  })
  .openapi('ValidateResponse');

export const PartitionSchema = z
  .object({
    name: z.string(),
    crlNumber: z.string().nullable(),
    thisUpdate: rfc3339.nullable(),
    nextUpdate: rfc3339.nullable(),
    entries: z.number().int().nullable(),
    stale: z.boolean(),
    loadedAt: rfc3339.nullable(),
    source: z.string(),
  })
  .openapi('Partition');

export const PartitionCountsSchema = z
  .object({
    total: z.number().int(),
    fresh: z.number().int(),
    stale: z.number().int(),
    notLoaded: z.number().int(),
  })
  .openapi('PartitionCounts', { description: "the CA's configured partitions by state" });

export const IssuerSchema = z
  .object({
    id: z.string(),
    group: z.string(),
    subject: z.string(),
    keyId: z.string(),
    kind: z.enum(['sign', 'auth', 'other']),
    medium: z.enum(['card', 'smartphone']),
    retired: z.boolean(),
    mode: ModeSchema,
    partitions: z.array(PartitionSchema).openapi({
      description:
        'every partition when the CA has at most 20 (or with `?partitions=all`); otherwise the 10 worst — not loaded, then stale ' +
        '(longest past nextUpdate first), then the fresh ones nearest their nextUpdate. `partitionCounts` counts them all',
    }),
    partitionCounts: PartitionCountsSchema,
    ocsp: z.object({ url: z.string(), circuit: z.enum(['closed', 'open', 'half-open']) }).nullable(),
  })
  .openapi('Issuer');

export const IssuersResponseSchema = z.object({ issuers: z.array(IssuerSchema) }).openapi('IssuersResponse');

export const ReadinessSchema = z
  .object({
    ready: z.boolean(),
    store: z.enum(['ok', 'down']),
    storeDataLoss: z
      .array(
        z.object({
          caId: z.string(),
          detectedAt: z.string(),
          previousEpoch: z.string().nullable(),
          currentEpoch: z.string().nullable(),
          detail: z.string(),
        }),
      )
      .describe('data losses of the store noticed in the last 24 h (the CRLs are reloaded; issuer states say what is missing)'),
    issuers: z.array(
      z.object({
        id: z.string(),
        crl: z.enum(['fresh', 'stale', 'not_loaded', 'none']),
        partitions: PartitionCountsSchema.extend({
          worst: z.array(z.string()).openapi({ description: 'up to 5 partitions that are not fresh, worst first' }),
        }).optional(),
        ocsp: z.enum(['closed', 'open', 'half-open']).nullable(),
        ready: z.boolean(),
      }),
    ),
    reasons: z.array(z.string()),
  })
  .openapi('Readiness');

/** an error response in a route's OpenAPI declaration */
export const problemSpec = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });
