/** Request and response schemas of the audit history's routes (also what /openapi.json shows for them). */
import { z } from '@hono/zod-openapi';

const q = (name: string, description: string) =>
  z
    .string()
    .optional()
    .openapi({ param: { name, in: 'query' }, description });

export const AuditQuerySchema = z.object({
  serial: q('serial', 'a certificate serial (hex, any case, optional 0x)'),
  issuer: q('issuer', 'an issuer as asked (id or group) or the CA that answered'),
  from: q('from', 'RFC 3339: records at or after this time'),
  to: q('to', 'RFC 3339: records before this time'),
  purpose: q('purpose', 'the purpose the caller gave'),
  result: q('result', 'good, revoked, unknown (status, batch); valid, expired … (validate, verify); deleted'),
  route: z
    .enum(['status', 'batch', 'validate', 'verify', 'audit.delete'])
    .optional()
    .openapi({ param: { name: 'route', in: 'query' }, description: 'where the answer was given' }),
  apiKeyId: q('apiKeyId', "an API key's id (the first 8 hex of its SHA-256)"),
  order: z
    .enum(['desc', 'asc'])
    .optional()
    .openapi({ param: { name: 'order', in: 'query' }, description: 'newest first (default) or oldest first' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000)
    .optional()
    .openapi({ param: { name: 'limit', in: 'query' }, description: 'records per page, 1–1 000 (default 100)' }),
  cursor: q('cursor', "the previous page's `next`: the page after it, in the same order"),
});

export const AuditRecordSchema = z
  .object({
    id: z.string().openapi({ description: 'its place in the stable order (with `at`)' }),
    at: z.string().openapi({ example: '2026-12-03T05:00:00.123Z', description: 'RFC 3339 UTC with milliseconds' }),
    requestId: z.string(),
    apiKeyId: z
      .string()
      .nullable()
      .openapi({ description: "the API key's id (first 8 hex of its SHA-256), never the key; `cli` for the CLI" }),
    purpose: z.string().nullable(),
    route: z.enum(['status', 'batch', 'validate', 'verify', 'audit.delete']),
    issuer: z.string().nullable().openapi({ description: 'as asked: an id or a group' }),
    caId: z.string().nullable(),
    serial: z.string().nullable(),
    kind: z.string().nullable().openapi({ description: 'sign | auth | other' }),
    medium: z.string().nullable().openapi({ description: 'card | smartphone, when known' }),
    result: z.string().openapi({
      description:
        'status: good | revoked | unknown; validate: valid | revoked | expired | not_yet_valid | invalid | unknown; verify: valid | invalid | unknown; deletion: deleted',
    }),
    reason: z.string().nullable(),
    meaning: z.string().nullable(),
    method: z.string().nullable().openapi({ description: 'crl | ocsp; null when no data source took part' }),
    crlNumber: z.string().nullable(),
    ocspProducedAt: z.string().nullable(),
    dataAgeSeconds: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "seconds from the CRL's thisUpdate or the OCSP producedAt to the answer" }),
    detail: z.string().nullable().openapi({ description: "an unknown answer's detail; a deletion's summary" }),
    signature: z.string().nullable().openapi({ description: '/v1/verify: the signature verdict' }),
    personalShown: z
      .boolean()
      .nullable()
      .openapi({ description: '/v1/verify: whether the 4 basic details were in the answer (never what they were)' }),
  })
  .openapi('AuditRecord');

/** the filters of a count: the page's, without paging */
export const AuditCountQuerySchema = AuditQuerySchema.omit({ order: true, limit: true, cursor: true });

export const AuditCountSchema = z.object({ count: z.number().int() }).openapi('AuditCount');

export const AuditPageSchema = z
  .object({
    records: z.array(AuditRecordSchema),
    next: z.string().nullable().openapi({ description: 'pass as `cursor` for the next page; null on the last' }),
  })
  .openapi('AuditPage');

export const AuditDeletionRequestSchema = z
  .object({
    serials: z.array(z.string().min(1).max(64)).min(1).max(10_000).openapi({ description: "the customer's certificate serials" }),
    issuer: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: 'only records of this issuer (id or group, as asked or as answered)' }),
    reason: z
      .string()
      .max(200)
      .optional()
      .openapi({ description: "why (e.g. the customer's request number); kept in the deletion's entry" }),
  })
  .openapi('AuditDeletionRequest');

export const AuditDeletionSchema = z
  .object({
    deleted: z.number().int().openapi({ description: 'records removed' }),
    serials: z.number().int(),
    requestId: z.string().openapi({ description: "the deletion's own entry in the history (route audit.delete)" }),
    at: z.string(),
    listSha256: z.string().openapi({ description: 'SHA-256 of the sorted, distinct serial list (the entry keeps this, not the serials)' }),
  })
  .openapi('AuditDeletion');
