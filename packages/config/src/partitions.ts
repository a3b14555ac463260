/**
 * An issuer's `crls` as CRL slots: where each CRL is fetched and which scope it must prove it is (its issuingDistributionPoint).
 *
 * List form (a few CRLs): `crls: [url-or-path | {name?, source, scope?, url?, dirName?} …]`. One entry is the CA's full CRL unless
 * `scope: partition` says it is one partition; several are partitions.
 * Set form (a CA partitioned per municipality, ~1,741 CRLs):
 * `crls: {partitions: <listing file | "p0000-p1740" | [names]>, template?: "https://…/{partition}.crl", dirName?: "CN={partition},…"}`.
 * The listing file is JSON `{"partitions":[{"name","url"?,"dirName"?}, …]}`; a template supplies the URL (or path) an entry lacks,
 * and wins where both are given (a mirror), the listing's `url` then still being a name the CRL may carry.
 *
 * A partition slot accepts only a CRL whose IDP names meet the slot's names: its source URL, its `url`, its `dirName` (RFC 4514,
 * validated here so a typo fails at start, naming the key).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseNameText } from '@jpki-validator/x509';

export interface PartitionConfig {
  /** stable name of the slot (the CRL file's base name unless given; the partition name in the set form) */
  name: string;
  /** an http(s) URL or an absolute file path */
  source: string;
  /** `full`: the CA's complete CRL; `partition`: one distribution point's CRL */
  scope: 'full' | 'partition';
  /** URIs the CRL's issuingDistributionPoint may name (the source when it is a URL, and any `url` given) */
  uris: readonly string[];
  /** directoryNames (RFC 4514 text) the CRL's issuingDistributionPoint may name */
  dirNames: readonly string[];
}

export type CrlsConfig =
  | (
      | string
      | {
          name?: string | undefined;
          source: string;
          scope?: 'full' | 'partition' | undefined;
          url?: string | undefined;
          dirName?: string | undefined;
        }
    )[]
  | { partitions: string | string[]; template?: string | undefined; dirName?: string | undefined };

export interface PartitionContext {
  /** config key prefix for messages, e.g. `issuers.0.crls` */
  key: string;
  /** resolves a path against the config file's directory (URLs unchanged) */
  abs: (path: string) => string;
}

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);
const PLACEHOLDER = '{partition}';
/** `p0000-p1740` or `p0000-1740`: a prefix, then first and last number (the first's width is kept) */
const RANGE = /^([A-Za-z_]*)(\d+)-(?:\1)?(\d+)$/;
const MAX_PARTITIONS = 100_000;

const listingSchema = z.object({
  partitions: z
    .array(z.object({ name: z.string().min(1), url: z.string().min(1).optional(), dirName: z.string().min(1).optional() }))
    .min(1),
});

/** the config's naming rule for the list form: the file's base name without .crl/.der/.pem */
export function partitionNameOf(source: string): string {
  const base =
    source
      .replace(/[?#].*$/, '')
      .split(/[\\/]/)
      .pop() ?? '';
  return base.replace(/\.(crl|der|pem)$/i, '') || source;
}

/** Resolves `crls` into slots; `problems` lists every fault with its key (the caller fails with all of them). */
export function resolvePartitions(crls: CrlsConfig, ctx: PartitionContext): { partitions: PartitionConfig[]; problems: string[] } {
  const problems: string[] = [];
  const partitions = Array.isArray(crls) ? listForm(crls, ctx, problems) : setForm(crls, ctx, problems);
  const names = partitions.map((p) => p.name);
  for (const dup of new Set(names.filter((x, k) => names.indexOf(x) !== k))) {
    problems.push(`${ctx.key}: two partitions named "${dup}" (give them names)`);
  }
  return { partitions, problems };
}

function listForm(crls: Extract<CrlsConfig, unknown[]>, ctx: PartitionContext, problems: string[]): PartitionConfig[] {
  return crls.map((entry, k) => {
    const e = typeof entry === 'string' ? { source: entry } : entry;
    const key = `${ctx.key}.${k}`;
    const source = ctx.abs(e.source);
    const scope = e.scope ?? (crls.length === 1 ? 'full' : 'partition');
    const slot: PartitionConfig = {
      name: e.name ?? partitionNameOf(e.source),
      source,
      scope,
      uris: unique([isUrl(source) ? source : null, e.url ?? null]),
      dirNames: checkedDirNames([e.dirName ?? null], `${key}.dirName`, problems),
    };
    if (scope === 'partition' && slot.uris.length === 0 && slot.dirNames.length === 0) {
      problems.push(
        `${key}: a partition read from a file needs "url" or "dirName" — the name its CRL's issuingDistributionPoint carries — so that a CRL of another partition cannot fill it`,
      );
    }
    return slot;
  });
}

function setForm(set: Exclude<CrlsConfig, unknown[]>, ctx: PartitionContext, problems: string[]): PartitionConfig[] {
  const entries = partitionEntries(set.partitions, ctx, problems);
  if (entries.length > 1 && set.template !== undefined && !set.template.includes(PLACEHOLDER))
    problems.push(`${ctx.key}.template: needs "${PLACEHOLDER}" (there are ${entries.length} partitions)`);
  if (entries.length > 1 && set.dirName !== undefined && !set.dirName.includes(PLACEHOLDER))
    problems.push(`${ctx.key}.dirName: needs "${PLACEHOLDER}" (there are ${entries.length} partitions)`);
  const out: PartitionConfig[] = [];
  for (const entry of entries) {
    const fromTemplate = set.template === undefined ? null : ctx.abs(set.template.replaceAll(PLACEHOLDER, entry.name));
    const source = fromTemplate ?? entry.url ?? null;
    if (source === null) {
      problems.push(`${ctx.key}: partition "${entry.name}" has no url in the listing and no template is configured`);
      continue;
    }
    const dirNames = checkedDirNames(
      [entry.dirName ?? null, set.dirName === undefined ? null : set.dirName.replaceAll(PLACEHOLDER, entry.name)],
      entry.dirName === undefined ? `${ctx.key}.dirName` : `${entry.from}.dirName`,
      problems,
    );
    const uris = unique([isUrl(source) ? source : null, entry.url ?? null]);
    if (uris.length === 0 && dirNames.length === 0) {
      problems.push(`${ctx.key}: partition "${entry.name}" is read from a file and has neither a url nor a dirName to bind its scope`);
    }
    out.push({ name: entry.name, source, scope: 'partition', uris, dirNames });
  }
  return out;
}

interface ListedPartition {
  name: string;
  url?: string | undefined;
  dirName?: string | undefined;
  /** where it came from, for messages */
  from: string;
}

function partitionEntries(spec: string | string[], ctx: PartitionContext, problems: string[]): ListedPartition[] {
  const key = `${ctx.key}.partitions`;
  if (Array.isArray(spec)) return spec.map((name, k) => ({ name, from: `${key}.${k}` }));
  const range = RANGE.exec(spec);
  if (range) {
    const [, prefix = '', firstText = '', lastText = ''] = range;
    const first = Number(firstText);
    const last = Number(lastText);
    if (last < first || last - first + 1 > MAX_PARTITIONS) {
      problems.push(`${key}: range "${spec}" must run upwards and hold at most ${MAX_PARTITIONS} partitions`);
      return [];
    }
    return Array.from({ length: last - first + 1 }, (_, i) => ({
      name: `${prefix}${String(first + i).padStart(firstText.length, '0')}`,
      from: key,
    }));
  }
  const path = ctx.abs(spec);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(
      `${key}: "${spec}" is neither a range like "p0000-p1740" nor a readable JSON listing (${error instanceof Error ? error.message : String(error)})`,
    );
    return [];
  }
  const parsed = listingSchema.safeParse(doc);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(`${key}: listing ${path}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    return [];
  }
  return parsed.data.partitions.map((p, k) => ({ ...p, from: `${key}: listing ${path}: partitions.${k}` }));
}

function checkedDirNames(candidates: readonly (string | null)[], key: string, problems: string[]): string[] {
  const out = unique(candidates);
  for (const text of out) {
    try {
      parseNameText(text);
    } catch (error) {
      problems.push(`${key}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return out;
}

function unique(values: readonly (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))];
}

/**
 * A slot built in code (tests, benchmarks, `check`): the source URL counts as one of its names. `scope` is required: a caller
 * must say whether the CRL it points at is the CA's full CRL or one partition.
 */
export function crlSlot(options: {
  source: string;
  scope: 'full' | 'partition';
  name?: string;
  url?: string;
  dirName?: string;
}): PartitionConfig {
  return {
    name: options.name ?? partitionNameOf(options.source),
    source: options.source,
    scope: options.scope,
    uris: unique([isUrl(options.source) ? options.source : null, options.url ?? null]),
    dirNames: unique([options.dirName ?? null]),
  };
}
