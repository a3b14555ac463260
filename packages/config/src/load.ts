import { readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { JpkiValidatorError } from '@jpki-validator/errors';
import type { CrlReason } from '@jpki-validator/x509';
import type { z } from 'zod';
import {
  configSchema,
  issuerListSchema,
  issuerPresetSchema,
  meaningMapSchema,
  profileSchema,
  type ConfigFile,
  type IssuerConfigFile,
} from './schema.js';
import { BUILT_IN_LABELS, BUILT_IN_PROFILES, createMeaningResolver, mergeLabels, type MeaningLabels, type MeaningMap } from './profile.js';
import { parseIntervalMs } from './duration.js';
import { resolvePartitions, type CrlsConfig, type PartitionConfig } from './partitions.js';
import { expandJpkiPreset } from './preset.js';

/** The card's certificate policies (docs/config.md, `issuers[].policies`): the default for every issuer, smartphone ones included. */
export const CARD_POLICIES: Readonly<{ sign: readonly string[]; auth: readonly string[] }> = Object.freeze({
  sign: Object.freeze(['1.2.392.200149.8.5.1.1.20']),
  auth: Object.freeze(['1.2.392.200149.8.5.1.3.30']),
});

export type Medium = 'card' | 'smartphone';

/** The config is invalid: every problem listed, each naming its key (`issuers.0.caCert: Required`). */
export class ConfigError extends JpkiValidatorError<'CONFIG_INVALID'> {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super('CONFIG_INVALID', 'usage', `invalid config ${source}:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

export interface IssuerConfig {
  id: string;
  group: string;
  caCertPath: string;
  partitions: readonly PartitionConfig[];
  /** how a refresh of this CA runs: partitions at once, tries of a retryable failure, first retry delay (doubling after) */
  fetch: { concurrency: number; attempts: number; backoffMs: number };
  /** `maxQueriesPerMinute`: this responder's own spend cap (loadConfig always sets it; absent or null: the default) */
  ocsp: { url: string; responderCertPath: string | null; maxQueriesPerMinute?: number | null } | null;
  refresh: { intervalMs: number } | { cron: string };
  freshness: { graceSeconds: number; skewSeconds: number };
  mode: 'crl-first' | 'ocsp-first' | 'crl-only' | 'ocsp-only';
  retired: boolean;
  kind: 'sign' | 'auth' | 'other' | null;
  /** `card` or `smartphone` (loadConfig always sets it; absent reads as `card`) */
  medium?: Medium;
  /** policy OIDs that make a leaf of this issuer `sign` or `auth` (loadConfig always sets them; absent: CARD_POLICIES) */
  policies?: { sign: readonly string[]; auth: readonly string[] };
}

/** A profile resolved: meanings, and labels for them per language. */
export interface ProfileConfig {
  name: string;
  map: MeaningMap;
  meaning: (reason: CrlReason) => string;
  /** meaning → label per language tag (built-in ja and en, plus the profile's own) */
  labels: MeaningLabels;
  /** add `meaningLabel` in this language to every answer; null: only when a request asks */
  labelLanguage: string | null;
}

/** What an API key may do beyond the status and verification routes every key may call: see personal details, read or erase the audit history. */
export type ApiScope = 'personal' | 'audit';
export const API_SCOPES: readonly ApiScope[] = ['personal', 'audit'];

/** The audit history's settings, when it is on (schema.ts `audit`). */
export interface AuditConfig {
  /** PostgreSQL (AUDIT_DATABASE_URL or audit.database), else SQLite in the data directory */
  database: { kind: 'postgres'; url: string; schema: string } | { kind: 'sqlite'; path: string };
  /** where the local journal lives (`<dataDir>/audit/journal`) */
  journalDir: string;
  /** free-text purposes allowed beside the standard ones; null: any purpose is taken */
  purposes: readonly string[] | null;
  requirePurpose: boolean;
  retention: string;
  purgeEveryMs: number;
}

/** One entry of API_KEYS: `<key>` or `<key>:<scope>[+<scope>…]` (e.g. `k3y:personal`). */
export interface ApiKeyConfig {
  key: string;
  scopes: readonly ApiScope[];
}

export type WatchSink = { file: string } | { webhook: string; secret: string };

export interface Config {
  /** the file it came from, or null for the built-in defaults */
  source: string | null;
  issuers: readonly IssuerConfig[];
  profile: ProfileConfig;
  /** operator facts: OCSP prices (yen per query) per medium and kind, and the spend cap per issuer per minute */
  ocsp: { costYen: Record<Medium, { sign: number; auth: number }>; maxQueriesPerMinute: number };
  /** what loading decided that an operator should read in the log (a CA retired because it expired, …) */
  notices: readonly string[];
  watch: { schedule: { intervalMs: number } | { cron: string }; timeZone: string; sinks: readonly WatchSink[] };
  dataDir: string;
  redisUrl: string | null;
  port: number;
  apiKeys: readonly ApiKeyConfig[];
  /** each API key's token bucket per validator process; null: no limit (config `rateLimit: false`) */
  rateLimit: { requestsPerSecond: number; burst: number } | null;
  /** null: the audit history is off (the default, and the demo's) */
  audit: AuditConfig | null;
}

export interface LoadConfigOptions {
  /** `--config FILE`; falls back to JPKI_VALIDATOR_CONFIG */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** the clock that decides whether a shipped CA has expired (default Date.now) */
  nowMs?: number;
}

/** each API key's requests a second per validator process when the config says nothing */
const DEFAULT_RATE_PER_SECOND = 1_000;

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

/** the YAML parser loads only for a YAML file (~50 ms of every command's start-up otherwise) */
function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
}

function readDocument(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read: ${error instanceof Error ? error.message : String(error)}`]);
  }
  try {
    return extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(path, [
      `not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }
}

function schedule(text: string): { intervalMs: number } | { cron: string } {
  const intervalMs = parseIntervalMs(text);
  return intervalMs === undefined ? { cron: text } : { intervalMs };
}

const problemsOf = (prefix: string, error: z.ZodError): string[] =>
  error.issues.map((i) => `${[prefix, ...i.path].filter((p) => p !== '').join('.') || '(top level)'}: ${i.message}`);

const FULL_PROFILE_KEYS = ['base', 'meanings', 'labels', 'labelLanguage'];

/** A profile from its config value (a name, a file, the full form, or a reason → meaning map), errors naming `key`. */
function resolveProfile(profile: unknown, baseDir: string, source: string, key = 'profile'): ProfileConfig {
  if (typeof profile === 'string') {
    const builtIn = BUILT_IN_PROFILES[profile];
    if (builtIn)
      return { name: profile, map: builtIn, meaning: createMeaningResolver(builtIn), labels: BUILT_IN_LABELS, labelLanguage: null };
    // Not a built-in name: a profile file holding either form.
    const path = resolve(baseDir, profile);
    let doc: unknown;
    try {
      doc = readDocument(path);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new ConfigError(source, [
        `${key}: "${profile}" is neither a built-in profile (${Object.keys(BUILT_IN_PROFILES).join(', ')}) nor a readable profile file (${error.problems.join('; ')})`,
      ]);
    }
    if (typeof doc === 'string' || doc === null || typeof doc !== 'object')
      throw new ConfigError(source, [`${key}: the file ${path} holds no profile (a reason → meaning map, or meanings/labels)`]);
    return { ...resolveProfile(doc, dirname(path), `${source} (profile ${path})`, '(profile file)'), name: basename(path) };
  }
  const isFull = typeof profile === 'object' && profile !== null && FULL_PROFILE_KEYS.some((k) => k in profile);
  if (!isFull) {
    const parsed = meaningMapSchema.safeParse(profile);
    if (!parsed.success) throw new ConfigError(source, problemsOf(key, parsed.error));
    const map = Object.freeze({ ...parsed.data }) as MeaningMap;
    return { name: 'custom', map, meaning: createMeaningResolver(map), labels: BUILT_IN_LABELS, labelLanguage: null };
  }
  const parsed = profileSchema.safeParse(profile);
  if (!parsed.success) throw new ConfigError(source, problemsOf(key, parsed.error));
  const base = BUILT_IN_PROFILES[parsed.data.base];
  if (!base)
    throw new ConfigError(source, [
      `${key}.base: "${parsed.data.base}" is not a built-in profile (${Object.keys(BUILT_IN_PROFILES).join(', ')})`,
    ]);
  const map = Object.freeze({ ...base, ...parsed.data.meanings }) as MeaningMap;
  const labels = mergeLabels(BUILT_IN_LABELS, parsed.data.labels);
  const labelLanguage = parsed.data.labelLanguage ?? null;
  if (labelLanguage !== null && !labels[labelLanguage])
    throw new ConfigError(source, [`${key}.labelLanguage: no labels in "${labelLanguage}" (have: ${Object.keys(labels).join(', ')})`]);
  return { name: 'custom', map, meaning: createMeaningResolver(map), labels, labelLanguage };
}

/** The issuer list from either form: a list of entries, or `{ preset: jpki, … }` expanded (preset.ts). */
function resolveIssuers(raw: unknown, source: string, nowMs: number): { issuers: IssuerConfigFile[]; keys: string[]; notices: string[] } {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const preset = issuerPresetSchema.safeParse(raw);
    if (!preset.success) throw new ConfigError(source, problemsOf('issuers', preset.error));
    const expansion = expandJpkiPreset(preset.data, nowMs);
    const list = issuerListSchema.safeParse(expansion.issuers.map((i) => i.entry));
    const problems = [...expansion.problems];
    // a problem of the n-th expanded entry is named by the preset key it came from
    if (!list.success)
      for (const issue of list.error.issues) {
        const [index, ...rest] = issue.path;
        const key = expansion.issuers[Number(index)]?.key ?? 'issuers';
        problems.push(`${[key, ...rest].join('.')}: ${issue.message}`);
      }
    if (problems.length > 0) throw new ConfigError(source, problems);
    return { issuers: list.success ? list.data : [], keys: expansion.issuers.map((i) => i.key), notices: expansion.notices };
  }
  const list = issuerListSchema.safeParse(raw);
  if (!list.success) throw new ConfigError(source, problemsOf('issuers', list.error));
  return { issuers: list.data, keys: list.data.map((_, n) => `issuers.${n}`), notices: [] };
}

/** Reads, validates and freezes the config; environment overrides (REDIS_URL, PORT, API_KEYS, JPKI_VALIDATOR_DATA_DIR) win. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ?? env.JPKI_VALIDATOR_CONFIG;
  const path = file ? resolve(cwd, file) : null;
  const source = path ?? '(defaults)';
  const raw = path ? readDocument(path) : {};
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    // every problem at once: the issuers' own too (checked apart from the rest, see schema.ts)
    const problems = problemsOf('', parsed.error);
    const issuersRaw = raw !== null && typeof raw === 'object' && 'issuers' in raw ? raw.issuers : undefined;
    if (issuersRaw !== undefined) {
      try {
        resolveIssuers(issuersRaw, source, options.nowMs ?? Date.now());
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(...error.problems);
      }
    }
    throw new ConfigError(source, problems);
  }
  const cfg = parsed.data;
  const baseDir = path ? dirname(path) : cwd;
  const abs = (p: string): string => (isUrl(p) || isAbsolute(p) ? p : resolve(baseDir, p));

  const port = env.PORT !== undefined && env.PORT !== '' ? Number(env.PORT) : (cfg.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError('environment', [`PORT: "${env.PORT}" is not a port number`]);

  const resolved = resolveIssuers(cfg.issuers, source, options.nowMs ?? Date.now());
  const problems: string[] = [];
  const issuers: IssuerConfig[] = resolved.issuers.map((i, n) => {
    const partitions = resolvePartitions(i.crls as CrlsConfig, { key: `${resolved.keys[n] ?? `issuers.${n}`}.crls`, abs });
    problems.push(...partitions.problems);
    return {
      id: i.id,
      group: i.group,
      caCertPath: abs(i.caCert),
      partitions: partitions.partitions,
      fetch: { concurrency: i.fetch.concurrency, attempts: i.fetch.attempts, backoffMs: Math.round(i.fetch.backoffSeconds * 1000) },
      ocsp: i.ocsp
        ? {
            url: i.ocsp.url,
            responderCertPath: i.ocsp.responderCert ? abs(i.ocsp.responderCert) : null,
            maxQueriesPerMinute: i.ocsp.maxQueriesPerMinute ?? null,
          }
        : null,
      refresh: schedule(i.refresh),
      freshness: { ...i.freshness },
      mode: i.mode,
      retired: i.retired,
      kind: i.kind ?? null,
      medium: i.medium,
      policies: { sign: i.policies?.sign ?? CARD_POLICIES.sign, auth: i.policies?.auth ?? CARD_POLICIES.auth },
    };
  });
  if (problems.length) throw new ConfigError(source, problems);

  const dataDir = resolve(cwd, env.JPKI_VALIDATOR_DATA_DIR || (cfg.dataDir ? abs(cfg.dataDir) : './.jpki-validator/'));
  const config: Config = {
    source: path,
    issuers,
    profile: resolveProfile(cfg.profile, baseDir, source),
    ocsp: {
      costYen: {
        card: { sign: cfg.ocsp.costYen.card?.sign ?? 20, auth: cfg.ocsp.costYen.card?.auth ?? 2 },
        smartphone: { sign: cfg.ocsp.costYen.smartphone?.sign ?? 20, auth: cfg.ocsp.costYen.smartphone?.auth ?? 2 },
      },
      maxQueriesPerMinute: cfg.ocsp.maxQueriesPerMinute,
    },
    notices: resolved.notices,
    watch: {
      schedule: schedule(cfg.watch.schedule),
      timeZone: cfg.watch.timeZone,
      sinks: cfg.watch.sinks.map((s) => ('file' in s ? { file: abs(s.file) } : { webhook: s.webhook, secret: s.secret })),
    },
    dataDir,
    redisUrl: env.REDIS_URL || null,
    port,
    apiKeys: parseApiKeys(env.API_KEYS ?? ''),
    rateLimit:
      cfg.rateLimit === false
        ? null
        : {
            requestsPerSecond: cfg.rateLimit?.perSecond ?? DEFAULT_RATE_PER_SECOND,
            // a burst below one second's rate would refuse a steady client at its own budget
            burst: cfg.rateLimit?.burst ?? Math.max(1, Math.ceil(2 * (cfg.rateLimit?.perSecond ?? DEFAULT_RATE_PER_SECOND))),
          },
    audit: auditConfig(cfg.audit, env.AUDIT_DATABASE_URL || null, dataDir),
  };
  return deepFreeze(config);
}

/** on when the config has `audit:` (not `enabled: false`) or AUDIT_DATABASE_URL is set; PostgreSQL when a URL is given */
function auditConfig(audit: ConfigFile['audit'], envUrl: string | null, dataDir: string): AuditConfig | null {
  if (audit?.enabled === false || (audit === undefined && envUrl === null)) return null;
  const url = envUrl ?? audit?.database ?? null;
  const schema = audit?.schema ?? 'jpki_audit';
  if (url !== null && !/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('environment', ['AUDIT_DATABASE_URL: not a postgres:// URL']);
  return {
    database: url !== null ? { kind: 'postgres', url, schema } : { kind: 'sqlite', path: resolve(dataDir, 'audit', 'audit.sqlite') },
    journalDir: resolve(dataDir, 'audit', 'journal'),
    purposes: audit?.purposes ?? null,
    requirePurpose: audit?.requirePurpose ?? false,
    retention: audit?.retention ?? '7y',
    purgeEveryMs: parseIntervalMs(audit?.purgeEvery ?? '24h') ?? 86_400_000,
  };
}

/**
 * API_KEYS: comma-separated entries, each `<key>` or `<key>:<scope>[+<scope>…]`. A key without scopes may call every route but
 * never sees personal data; `personal` lets it ask /v1/verify for the JPKI 4 basic details. Problems name the entry by position,
 * never by its text (it is a secret).
 */
export function parseApiKeys(text: string): ApiKeyConfig[] {
  const entries = text
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const problems: string[] = [];
  const keys = entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    const key = colon < 0 ? entry : entry.slice(0, colon);
    const scopes = colon < 0 ? [] : entry.slice(colon + 1).split('+');
    if (key === '') problems.push(`API_KEYS: entry ${i + 1} has no key before ":"`);
    for (const scope of scopes) {
      if (!(API_SCOPES as readonly string[]).includes(scope))
        problems.push(`API_KEYS: entry ${i + 1} has unknown scope "${scope.slice(0, 20)}" (known: ${API_SCOPES.join(', ')})`);
    }
    return { key, scopes: [...new Set(scopes)] as ApiScope[] };
  });
  if (problems.length > 0) throw new ConfigError('environment', problems);
  return keys;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
