import { z } from 'zod';
import { looksLikeCron, parseIntervalMs } from './duration.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');
const mode = z.enum(['crl-first', 'ocsp-first', 'crl-only', 'ocsp-only']);
const refresh = z
  .string()
  .refine((s) => parseIntervalMs(s) !== undefined || looksLikeCron(s), 'an interval such as "15m" or a cron expression');

/** A CRL source: a URL or a path; several form the partitions of one issuer. */
const crlSource = z.union([z.string().min(1), z.object({ name: z.string().min(1), source: z.string().min(1) }).strict()]);

export const issuerSchema = z
  .object({
    id: slug,
    group: slug,
    caCert: z.string().min(1),
    crls: z.array(crlSource).default([]),
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
    port: z.number().int().min(0).max(65535).optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.issuers.forEach((issuer, i) => {
      if (seen.has(issuer.id)) ctx.addIssue({ code: 'custom', path: ['issuers', i, 'id'], message: `duplicate issuer id "${issuer.id}"` });
      seen.add(issuer.id);
      if (issuer.crls.length === 0 && !issuer.ocsp) {
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
