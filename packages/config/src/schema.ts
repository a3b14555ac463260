import { z } from 'zod';
import { LISTING_REASON_NAMES } from '@jpki-validator/x509';
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

const meaningWord = z.string().regex(/^[a-z][a-z0-9_]*$/, 'snake_case');
const reasonKey = z.enum(LISTING_REASON_NAMES, { error: 'an RFC 5280 reason name (affiliationChanged, superseded, …)' });

/** The old form: a reason → meaning map (keys RFC 5280 reason names, values snake_case). */
export const meaningMapSchema = z.partialRecord(reasonKey, meaningWord);

/**
 * The full form of a profile: a built-in to start from, meanings that override it, and labels — human text in any language and
 * script, Japanese included — per language tag and meaning. `labelLanguage` adds `meaningLabel` to every answer; without it a
 * label is given only when a request asks (`Accept-Language`).
 */
export const profileSchema = z
  .object({
    base: z.string().min(1).default('jpki'),
    meanings: meaningMapSchema.default({}),
    labels: z
      .record(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/, 'a language tag such as ja or en'), z.record(meaningWord, z.string().min(1)))
      .default({}),
    labelLanguage: z.string().min(1).optional(),
  })
  .strict();

/** a profile's form: its name (built-in or file), the full form, or the old reason → meaning map (an object without those keys) */
export const profileField = z.union([
  z.string().min(1),
  z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'a profile name, file, or map'),
]);

const oidText = z.string().regex(/^[0-2](\.(0|[1-9][0-9]*))+$/, 'an OID in dotted form (1.2.392.…)');

/**
 * Certificate policy OIDs that mark a leaf as `sign` or `auth` for this issuer. Default: the card's (1.2.392.200149.8.5.1.1.20,
 * 1.2.392.200149.8.5.1.3.30). The smartphone profile's OIDs are not public, so smartphone issuers default to the card's too.
 */
const policies = z.object({ sign: z.array(oidText).min(1).optional(), auth: z.array(oidText).min(1).optional() }).strict();

/** Everything an issuer entry may say except who it is: what a preset group or CA entry may set. */
const issuerSettingsShape = {
  crls: z.union([z.array(crlSlot), crlPartitionSet]).optional(),
  fetch: fetchTuning.optional(),
  ocsp: z
    .object({
      url: z.string().url(),
      responderCert: z.string().min(1).optional(),
      /** paid queries per minute to this issuer's responder (default: the top-level ocsp.maxQueriesPerMinute) */
      maxQueriesPerMinute: z.number().int().min(0).optional(),
    })
    .strict()
    .optional(),
  refresh: refresh.optional(),
  freshness: z
    .object({ graceSeconds: z.number().int().min(0).default(0), skewSeconds: z.number().int().min(0).default(300) })
    .strict()
    .optional(),
  mode: mode.optional(),
  retired: z.boolean().optional(),
  kind: z.enum(['sign', 'auth', 'other']).optional(),
  medium: z.enum(['card', 'smartphone']).optional(),
  policies: policies.optional(),
};

export const issuerSettingsSchema = z.object(issuerSettingsShape).strict();

export const issuerSchema = z
  .object({
    id: slug,
    group: slug,
    caCert: z.string().min(1),
    crls: z.union([z.array(crlSlot), crlPartitionSet]).default([]),
    fetch: fetchTuning.default({ concurrency: 4, attempts: 3, backoffSeconds: 1 }),
    ocsp: issuerSettingsShape.ocsp,
    refresh: refresh.default('15m'),
    freshness: z
      .object({ graceSeconds: z.number().int().min(0).default(0), skewSeconds: z.number().int().min(0).default(300) })
      .strict()
      .default({ graceSeconds: 0, skewSeconds: 300 }),
    mode: mode.default('crl-first'),
    retired: z.boolean().default(false),
    kind: z.enum(['sign', 'auth', 'other']).optional(),
    /** `card` (the My Number Card) or `smartphone` (スマホ用電子証明書: Android, and the iPhone's マイナンバーカード) */
    medium: z.enum(['card', 'smartphone']).default('card'),
    policies: policies.optional(),
  })
  .strict();

/**
 * `issuers: { preset: jpki, … }`: the shipped J-LIS CAs (packages/config/trust-anchors) grouped `jpki-sign` / `jpki-auth`, the
 * operator adding only their sources. `groups.<group>` holds settings every CA of that group shares (typically `ocsp`); `cas.<id>`
 * a CA's own (typically `crls`), or a CA the preset does not ship, given with its `caCert` (one line: the 2019 generation), or
 * `false` to leave a shipped CA out.
 */
export const issuerPresetSchema = z
  .object({
    preset: z.literal('jpki'),
    groups: z.record(slug, issuerSettingsSchema).default({}),
    cas: z
      .record(
        slug,
        z.union([z.literal(false), issuerSettingsSchema.extend({ caCert: z.string().min(1).optional(), group: slug.optional() })]),
      )
      .default({}),
  })
  .strict();

/** Operator facts about OCSP: what a query costs (J-LIS's fee schedule) and how many paid queries a minute are allowed. */
const ocspFacts = z
  .object({
    /** yen per query, per medium and kind (default ¥20 a signature-certificate query, ¥2 an authentication one, both media) */
    costYen: z
      .object({
        card: z
          .object({ sign: z.number().min(0).optional(), auth: z.number().min(0).optional() })
          .strict()
          .optional(),
        smartphone: z
          .object({ sign: z.number().min(0).optional(), auth: z.number().min(0).optional() })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    /** the spend cap: paid queries per issuer per minute (default 600) */
    maxQueriesPerMinute: z.number().int().min(0).default(600),
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
    // an issuer list or a preset: told apart and checked in load.ts, so that each form's errors name its own keys
    issuers: z.unknown().default([]),
    profile: profileField.default('jpki'),
    ocsp: ocspFacts.default({ costYen: {}, maxQueriesPerMinute: 600 }),
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
    /**
     * each API key's budget per validator process (a token bucket: `perSecond` refilled, up to `burst` at once; default 1,000 and
     * 2,000); `false` turns it off (a balancer or gateway in front limits instead). Only applies when API_KEYS is set.
     */
    rateLimit: z
      .union([
        z.literal(false),
        z
          .object({ perSecond: z.number().positive().max(10_000_000), burst: z.number().int().positive().max(100_000_000).optional() })
          .strict(),
      ])
      .optional(),
  })
  .strict();

/** Checks over a whole issuer list (either form, once expanded): ids unique, sources present, groups apart from ids, one medium per group. */
export const issuerListSchema = z.array(issuerSchema).superRefine((issuers, ctx) => {
  const seen = new Set<string>();
  issuers.forEach((issuer, i) => {
    if (seen.has(issuer.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate issuer id "${issuer.id}"` });
    seen.add(issuer.id);
    if (Array.isArray(issuer.crls) && issuer.crls.length === 0 && !issuer.ocsp && !issuer.retired) {
      ctx.addIssue({ code: 'custom', path: [i], message: 'an issuer needs crls, ocsp, or both' });
    }
  });
  const ids = new Set(issuers.map((i) => i.id));
  const mediumOf = new Map<string, string>();
  issuers.forEach((issuer, i) => {
    if (ids.has(issuer.group) && issuer.group !== issuer.id) {
      ctx.addIssue({ code: 'custom', path: [i, 'group'], message: `group "${issuer.group}" is also an issuer id` });
    }
    const medium = mediumOf.get(issuer.group);
    if (medium !== undefined && medium !== issuer.medium) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'medium'],
        message: `group "${issuer.group}" mixes ${medium} and ${issuer.medium} CAs (give smartphone CAs a group of their own)`,
      });
    }
    mediumOf.set(issuer.group, issuer.medium);
  });
});

export type ConfigFile = z.infer<typeof configSchema>;
export type IssuerConfigFile = z.infer<typeof issuerSchema>;
export type IssuerPresetFile = z.infer<typeof issuerPresetSchema>;
