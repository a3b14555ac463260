import { z } from 'zod';
import { looksLikeCron, parseIntervalMs } from './duration.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');
const mode = z.enum(['crl-first', 'ocsp-first', 'crl-only', 'ocsp-only']);
const refresh = z
  .string()
  .refine((s) => parseIntervalMs(s) !== undefined || looksLikeCron(s), 'an interval such as "15m" or a cron expression');

/**
 * A CRL slot in the list form: a URL or a path, or an object naming it. `scope` says what the slot must hold: the CA's full CRL
 * or one partition (default: `full` for an issuer with a single CRL, `partition` when it lists several). `url` and `dirName` are
 * the names a partition CRL's issuingDistributionPoint carries (the source URL counts as one by itself).
 */
const crlSlot = z.union([
  z.string().min(1),
  z
    .object({
      name: z.string().min(1).optional(),
      source: z.string().min(1),
      scope: z.enum(['full', 'partition']).optional(),
      url: z.string().min(1).optional(),
      dirName: z.string().min(1).optional(),
    })
    .strict(),
]);

/**
 * The set form, for a CA partitioned per municipality: the partitions' names (a listing file, a range `p0000-p1740`, or a list)
 * and templates with `{partition}` for the source URL (or path) and the directoryName of each.
 */
const crlPartitionSet = z
  .object({
    partitions: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    template: z.string().min(1).optional(),
    dirName: z.string().min(1).optional(),
  })
  .strict();

/** How the fetcher refreshes a CA: partitions fetched at once, tries of a retryable failure, first retry delay (then doubling). */
const fetchTuning = z
  .object({
    concurrency: z.number().int().min(1).max(256).default(4),
    attempts: z.number().int().min(1).max(20).default(3),
    backoffSeconds: z.number().min(0).max(3600).default(1),
  })
  .strict();

export const issuerSchema = z
  .object({
    id: slug,
    group: slug,
    caCert: z.string().min(1),
    crls: z.union([z.array(crlSlot), crlPartitionSet]).default([]),
    fetch: fetchTuning.default({ concurrency: 4, attempts: 3, backoffSeconds: 1 }),
    ocsp: z
      .object({ url: z.string().url(), responderCert: z.string().min(1).optional() })
      .strict()
      .optional(),
    refresh: refresh.default('15m'),
    freshness: z
      .object({ graceSeconds: z.number().int().min(0).default(0), skewSeconds: z.number().int().min(0).default(300) })
      .strict()
      .default({ graceSeconds: 0, skewSeconds: 300 }),
    mode: mode.default('crl-first'),
    retired: z.boolean().default(false),
    kind: z.enum(['sign', 'auth', 'other']).optional(),
  })
  .strict();

const sink = z.union([
  z.object({ file: z.string().min(1) }).strict(),
  z.object({ webhook: z.string().url(), secret: z.string().min(16, 'at least 16 characters') }).strict(),
]);

/**
 * The audit history (issue 15): every answer recorded, with the caller's purpose. Present (and not `enabled: false`), or with
 * AUDIT_DATABASE_URL set, it is on; PostgreSQL when a database URL is given, else SQLite in the data directory.
 */
const auditSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** postgres://… (AUDIT_DATABASE_URL wins) */
    database: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
      .optional(),
    /** the PostgreSQL schema holding the tables */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL name')
      .default('jpki_audit'),
    /** free-text purposes allowed beside the standard three; when given, any other purpose is refused (400) */
    purposes: z.array(z.string().regex(/^[\x21-\x7e]{1,64}$/, '1–64 printable ASCII characters, no spaces')).optional(),
    /** a request without a purpose is refused (400) */
    requirePurpose: z.boolean().default(false),
    /** how long records are kept: `7y`, `18mo`, `400d` */
    retention: z
      .string()
      .regex(/^\d+(y|mo|d)$/, 'a retention such as "7y", "18mo" or "400d"')
      .default('7y'),
    /** how often the retention purge runs (an interval) */
    purgeEvery: z
      .string()
      .refine((s) => parseIntervalMs(s) !== undefined, 'an interval such as "24h"')
      .default('24h'),
  })
  .strict();

export const configSchema = z
  .object({
    issuers: z.array(issuerSchema).default([]),
    profile: z.union([z.string().min(1), z.record(z.string(), z.string().regex(/^[a-z][a-z0-9_]*$/, 'snake_case'))]).default('jpki'),
    watch: z
      .object({
        schedule: refresh.default('0 9 * * *'),
        timeZone: z.string().default('Asia/Tokyo'),
        sinks: z.array(sink).default([]),
      })
      .strict()
      .default({ schedule: '0 9 * * *', timeZone: 'Asia/Tokyo', sinks: [] }),
    dataDir: z.string().min(1).optional(),
    audit: auditSchema.optional(),
    port: z.number().int().min(0).max(65535).optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.issuers.forEach((issuer, i) => {
      if (seen.has(issuer.id)) ctx.addIssue({ code: 'custom', path: ['issuers', i, 'id'], message: `duplicate issuer id "${issuer.id}"` });
      seen.add(issuer.id);
      if (Array.isArray(issuer.crls) && issuer.crls.length === 0 && !issuer.ocsp) {
        ctx.addIssue({ code: 'custom', path: ['issuers', i], message: 'an issuer needs crls, ocsp, or both' });
      }
    });
    const ids = new Set(cfg.issuers.map((i) => i.id));
    cfg.issuers.forEach((issuer, i) => {
      if (ids.has(issuer.group) && issuer.group !== issuer.id) {
        ctx.addIssue({ code: 'custom', path: ['issuers', i, 'group'], message: `group "${issuer.group}" is also an issuer id` });
      }
    });
  });

export type ConfigFile = z.infer<typeof configSchema>;
export type IssuerConfigFile = z.infer<typeof issuerSchema>;
