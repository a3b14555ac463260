/**
 * docs/config.md's reference part, rendered from the config file's zod schemas (@jpki-validator/config): every key with its type,
 * default and constraints. What each key means is written here, keyed by path: a key the schema gains without a line here fails
 * the docs test, so the reference cannot silently fall behind.
 */
import { configSchema, issuerPresetSchema, issuerSchema } from '@jpki-validator/config';
import { z } from 'zod';
import { table } from './markers.ts';

type Json = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, Json>;
  items?: Json;
  anyOf?: Json[];
  oneOf?: Json[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  additionalProperties?: Json | boolean;
  propertyNames?: Json;
  format?: string;
};

export const MEANING: Readonly<Record<string, string>> = {
  issuers: 'the trusted CAs: a list (below), or `{ preset: jpki, … }` for the shipped J-LIS CAs',
  profile: 'reason → meaning: a built-in name (`jpki`), a profile file, a reason → meaning map, or the full form below',
  ocsp: 'operator facts about J-LIS OCSP: prices and the spend cap',
  'ocsp.costYen': 'yen per OCSP query, per medium and kind (defaults: sign ¥20, auth ¥2, both media)',
  'ocsp.costYen.card': 'the My Number Card’s certificates',
  'ocsp.costYen.card.sign': 'a signature-certificate query',
  'ocsp.costYen.card.auth': 'an authentication-certificate query',
  'ocsp.costYen.smartphone': 'smartphone certificates (スマホ用電子証明書)',
  'ocsp.costYen.smartphone.sign': 'a signature-certificate query',
  'ocsp.costYen.smartphone.auth': 'an authentication-certificate query',
  'ocsp.maxQueriesPerMinute': 'the spend cap: paid queries per issuer per minute (a responder may set its own)',
  watch: 'death detection for insurers (docs/watch.md)',
  'watch.schedule': 'when a pass runs besides after every CRL switch: a cron expression or an interval',
  'watch.timeZone': 'the time zone of `schedule`',
  'watch.sinks': 'where events go: `{file: DIR}` (JSON Lines) or `{webhook: URL, secret}` (signed POSTs)',
  'watch.sinks[].file': 'a directory: one JSON Lines file of events per pass',
  'watch.sinks[].webhook': 'a URL: one POST `{"events": […]}` per batch, signed',
  'watch.sinks[].secret': 'the webhook’s HMAC-SHA256 key (`X-Signature: t=…,v1=…`)',
  dataDir: 'the embedded store’s directory (JPKI_VALIDATOR_DATA_DIR wins; default `./.jpki-validator/`)',
  audit: 'the audit history (docs/audit.md): present and not `enabled: false`, or AUDIT_DATABASE_URL set, turns it on',
  'audit.enabled': 'off with `false` while keeping the settings',
  'audit.database': 'PostgreSQL URL (AUDIT_DATABASE_URL wins); without one, SQLite in the data directory',
  'audit.schema': 'the PostgreSQL schema holding the tables',
  'audit.purposes': 'free-text purposes allowed beside the standard three; when given, any other purpose is a 400',
  'audit.requirePurpose': 'a request without a purpose is a 400',
  'audit.retention': 'how long records are kept (`7y`, `18mo`, `400d`); whole months are dropped',
  'audit.purgeEvery': 'how often the retention purge runs',
  port: 'the validator’s port (PORT wins; default 8080)',
  rateLimit:
    'each API key’s budget per validator process (with API_KEYS): a token bucket, 1,000 a second with bursts of 2,000 by default; `false` when a gateway in front limits',
  'rateLimit.perSecond': 'requests a second refilled into the key’s bucket',
  'rateLimit.burst': 'requests the bucket holds at once (default: twice `perSecond`)',
  'issuers[].id': 'the CA key’s id (a slug): answers name it as `caId`',
  'issuers[].group': 'the group its generations share: asking for the group checks every CA in it',
  'issuers[].caCert': 'the CA certificate (PEM or DER path); its key verifies the CRLs',
  'issuers[].crls': 'the CRL slots: a list (one = the full CRL; several = partitions) or the set form `{partitions, template, dirName}`',
  'issuers[].crls[].name': 'the slot’s (partition’s) name (default: taken from the source)',
  'issuers[].crls[].source': 'where the CRL is read: an http(s) URL, a file, or a drop directory',
  'issuers[].crls[].scope': 'what the slot must hold: the CA’s `full` CRL or one `partition` (default: full for a single CRL)',
  'issuers[].crls[].url': 'the URL the partition CRL’s issuingDistributionPoint names (needed when read from a file or mirror)',
  'issuers[].crls[].dirName': 'the directoryName (RFC 4514) the partition CRL’s issuingDistributionPoint names',
  'issuers[].crls.partitions': 'set form: a listing file (JSON), a range `p0000-p1740`, or a list of names',
  'issuers[].crls.template': 'set form: the URL or path of each partition, with `{partition}`',
  'issuers[].crls.dirName': 'set form: the directoryName of each partition, with `{partition}`',
  'issuers[].fetch': 'how a refresh of this CA fetches',
  'issuers[].fetch.concurrency': 'partitions fetched at once',
  'issuers[].fetch.attempts': 'tries of a retryable failure',
  'issuers[].fetch.backoffSeconds': 'first retry delay (doubling after)',
  'issuers[].ocsp': 'the CA’s OCSP responder',
  'issuers[].ocsp.url': 'the responder’s URL',
  'issuers[].ocsp.responderCert': 'a delegated responder’s certificate to trust (path)',
  'issuers[].ocsp.maxQueriesPerMinute': 'this responder’s spend cap (default: `ocsp.maxQueriesPerMinute`)',
  'issuers[].refresh': 'when CRLs are fetched again: an interval (`15m`, `24h`) or a cron expression; also soon after nextUpdate',
  'issuers[].freshness': 'how long past nextUpdate a CRL still counts as fresh',
  'issuers[].freshness.graceSeconds': 'seconds past nextUpdate still fresh',
  'issuers[].freshness.skewSeconds': 'clock skew allowed for a thisUpdate in the future',
  'issuers[].mode': 'where answers come from: CRL first, OCSP first, or one of them only',
  'issuers[].retired': 'a retired generation: its listings still count, its freshness no longer gates a group’s `good`',
  'issuers[].kind': '`sign` or `auth` when the CA’s certificate policies do not say',
  'issuers[].medium': '`card` (the My Number Card) or `smartphone` (スマホ用電子証明書)',
  'issuers[].policies': 'certificate policy OIDs that mark a leaf `sign` or `auth` (default: the card’s)',
  'issuers[].policies.sign': 'OIDs of signature certificates',
  'issuers[].policies.auth': 'OIDs of authentication certificates',
  'issuers.preset': '`jpki`: the J-LIS CA certificates shipped in packages/config/trust-anchors',
  'issuers.groups': 'per group (`jpki-sign`, `jpki-auth`): settings its CAs share, typically `ocsp` (keys as in the list form)',
  'issuers.cas': 'per CA id: its own settings (typically `crls`), a CA not shipped (with `caCert`), or `false` to leave one out',
};

const show = (v: unknown): string => (v === undefined ? '' : `\`${JSON.stringify(v)}\``);

/** a short type: `string`, `integer ≥ 0`, `"crl-first" \| …`, `string or object` */
function typeOf(s: Json): string {
  if (s.const !== undefined) return show(s.const);
  if (s.enum) return s.enum.map(show).join(' | ');
  const union = s.anyOf ?? s.oneOf;
  if (union) return [...new Set(union.map(typeOf))].join(' or ');
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  const base = types.map((t) => (t === 'array' && s.items ? `list of ${typeOf(s.items)}` : t)).join(' or ') || 'any';
  const limits = [
    s.minimum !== undefined ? `≥ ${s.minimum}` : '',
    s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? `≤ ${s.maximum}` : '',
    s.minLength !== undefined && s.minLength > 1 ? `at least ${s.minLength} characters` : '',
    s.format === 'uri' ? 'URL' : '',
    s.pattern ? `matching \`${s.pattern}\`` : '',
  ].filter(Boolean);
  return limits.length > 0 ? `${base} (${limits.join(', ')})` : base;
}

/** rows `[path, type, default]` for every key under `schema`, objects inside unions and lists included (`a[].b`) */
function rows(schema: Json, path: string, out: string[][]): void {
  for (const member of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) rows(member, path, out);
  if (schema.items) rows(schema.items, `${path}[]`, out);
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const childPath = path ? `${path}.${key}` : key;
    if (!out.some((r) => r[0] === childPath)) out.push([childPath, typeOf(child), show(child.default)]);
    rows(child, childPath, out);
  }
}

const jsonSchema = (schema: z.ZodType): Json => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;

/** the table of every key under `prefix` (`skip`: keys whose inner keys are left out); throws naming the keys the schema has and MEANING lacks */
function section(schema: z.ZodType, prefix: string, skip: readonly string[] = []): string {
  const found: string[][] = [];
  rows(jsonSchema(schema), prefix, found);
  // a skipped key keeps its own row; its inner keys are described in the text around the table
  const kept = found.filter((r) => !skip.some((s) => r[0]?.startsWith(`${s}.`) || r[0]?.startsWith(`${s}[]`)));
  const missing = kept.map((r) => r[0] ?? '').filter((p) => MEANING[p] === undefined);
  if (missing.length > 0) throw new Error(`scripts/docs/config-md.ts: no meaning written for ${missing.join(', ')}`);
  return table(
    ['key', 'type', 'default', 'meaning'],
    kept.map(([path, type, def]) => [`\`${path}\``, type, def, MEANING[path ?? '']]),
  );
}

export function renderConfig(): string {
  return [
    'Rendered from the config file’s schemas (`packages/config/src/schema.ts`). An unknown key is an error that names it.',
    '',
    '## Top level',
    '',
    section(configSchema, '', ['profile']),
    '',
    '## `issuers` as a list',
    '',
    section(z.array(issuerSchema), 'issuers'),
    '',
    '## `issuers` as a preset',
    '',
    section(issuerPresetSchema, 'issuers', ['issuers.groups', 'issuers.cas']),
    '',
  ].join('\n');
}
