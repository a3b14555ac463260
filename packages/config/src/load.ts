import { readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { JpkiValidatorError } from '@jpki-validator/errors';
import type { CrlReason } from '@jpki-validator/x509';
import { configSchema, type ConfigFile } from './schema.js';
import { BUILT_IN_PROFILES, createMeaningResolver, type MeaningMap } from './profile.js';
import { parseIntervalMs } from './duration.js';

/** The config is invalid: every problem listed, each naming its key (`issuers.0.caCert: Required`). */
export class ConfigError extends JpkiValidatorError<'CONFIG_INVALID'> {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super('CONFIG_INVALID', 'usage', `invalid config ${source}:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

export interface PartitionConfig {
  /** stable name of the partition (the CRL file's base name unless given) */
  name: string;
  /** an http(s) URL or an absolute file path */
  source: string;
}

export interface IssuerConfig {
  id: string;
  group: string;
  caCertPath: string;
  partitions: readonly PartitionConfig[];
  ocsp: { url: string; responderCertPath: string | null } | null;
  refresh: { intervalMs: number } | { cron: string };
  freshness: { graceSeconds: number; skewSeconds: number };
  mode: 'crl-first' | 'ocsp-first' | 'crl-only' | 'ocsp-only';
  retired: boolean;
  kind: 'sign' | 'auth' | 'other' | null;
}

/** What an API key may do beyond the status and verification routes every key may call. */
export type ApiScope = 'personal';
export const API_SCOPES: readonly ApiScope[] = ['personal'];

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
  profile: { name: string; map: MeaningMap; meaning: (reason: CrlReason) => string };
  watch: { schedule: { intervalMs: number } | { cron: string }; timeZone: string; sinks: readonly WatchSink[] };
  dataDir: string;
  redisUrl: string | null;
  port: number;
  apiKeys: readonly ApiKeyConfig[];
}

export interface LoadConfigOptions {
  /** `--config FILE`; falls back to JPKI_VALIDATOR_CONFIG */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

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

function resolveProfile(profile: ConfigFile['profile'], baseDir: string, source: string): Config['profile'] {
  if (typeof profile !== 'string') return { name: 'custom', map: Object.freeze({ ...profile }), meaning: createMeaningResolver(profile) };
  const builtIn = BUILT_IN_PROFILES[profile];
  if (builtIn) return { name: profile, map: builtIn, meaning: createMeaningResolver(builtIn) };
  // Not a built-in name: a profile file holding a reason → meaning map.
  const path = resolve(baseDir, profile);
  const doc = readDocument(path);
  const parsed = configSchema.shape.profile.safeParse(doc);
  if (!parsed.success || typeof parsed.data === 'string') {
    throw new ConfigError(source, [
      `profile: "${profile}" is neither a built-in profile (${Object.keys(BUILT_IN_PROFILES).join(', ')}) nor a file with a reason → meaning map`,
    ]);
  }
  const map = Object.freeze({ ...parsed.data }) as MeaningMap;
  return { name: basename(path), map, meaning: createMeaningResolver(map) };
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
    throw new ConfigError(
      source,
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`),
    );
  }
  const cfg = parsed.data;
  const baseDir = path ? dirname(path) : cwd;
  const abs = (p: string): string => (isUrl(p) || isAbsolute(p) ? p : resolve(baseDir, p));

  const port = env.PORT !== undefined && env.PORT !== '' ? Number(env.PORT) : (cfg.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError('environment', [`PORT: "${env.PORT}" is not a port number`]);

  const issuers: IssuerConfig[] = cfg.issuers.map((i) => ({
    id: i.id,
    group: i.group,
    caCertPath: abs(i.caCert),
    partitions: i.crls.map((c) => {
      const src = typeof c === 'string' ? c : c.source;
      const name = typeof c === 'string' ? basename(src.replace(/[?#].*$/, '')).replace(/\.(crl|der|pem)$/i, '') || src : c.name;
      return { name, source: abs(src) };
    }),
    ocsp: i.ocsp ? { url: i.ocsp.url, responderCertPath: i.ocsp.responderCert ? abs(i.ocsp.responderCert) : null } : null,
    refresh: schedule(i.refresh),
    freshness: { ...i.freshness },
    mode: i.mode,
    retired: i.retired,
    kind: i.kind ?? null,
  }));
  const dupPartitions = issuers.flatMap((i, n) => {
    const names = i.partitions.map((p) => p.name);
    return names.filter((x, k) => names.indexOf(x) !== k).map((x) => `issuers.${n}.crls: two partitions named "${x}" (give them names)`);
  });
  if (dupPartitions.length) throw new ConfigError(source, dupPartitions);

  const config: Config = {
    source: path,
    issuers,
    profile: resolveProfile(cfg.profile, baseDir, source),
    watch: {
      schedule: schedule(cfg.watch.schedule),
      timeZone: cfg.watch.timeZone,
      sinks: cfg.watch.sinks.map((s) => ('file' in s ? { file: abs(s.file) } : { webhook: s.webhook, secret: s.secret })),
    },
    dataDir: resolve(cwd, env.JPKI_VALIDATOR_DATA_DIR || (cfg.dataDir ? abs(cfg.dataDir) : './.jpki-validator/')),
    redisUrl: env.REDIS_URL || null,
    port,
    apiKeys: parseApiKeys(env.API_KEYS ?? ''),
  };
  return deepFreeze(config);
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
