/**
 * The `jpki` issuer preset: J-LIS's CA certificates shipped in packages/config/trust-anchors, expanded into ordinary issuer
 * entries. The operator adds sources (CRLs per CA, OCSP per group) and, in one line each, CAs the repository cannot ship (the
 * 2019 generation, whose certificate is not public; the smartphone CAs).
 */
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { issuerPresetSchema, issuerSettingsSchema } from './schema.js';

/** where the shipped certificates are: packages/config/trust-anchors (from dist/ or src/ alike) */
export const TRUST_ANCHORS_DIR = fileURLToPath(new URL('../trust-anchors/', import.meta.url));

export interface ShippedCa {
  id: string;
  group: string;
  kind: 'sign' | 'auth';
  /** file name in TRUST_ANCHORS_DIR */
  file: string;
  /** the certificate's notAfter: after it the CA is loaded as retired */
  notAfter: string;
}

/** Every J-LIS CA certificate shipped (trust-anchors/README.md has their fingerprints; a test recomputes them). */
export const JPKI_SHIPPED_CAS: readonly ShippedCa[] = Object.freeze([
  { id: 'jpki-sign-2015', group: 'jpki-sign', kind: 'sign', file: 'sign_ca_2015.pem', notAfter: '2025-10-19T14:59:59Z' },
  { id: 'jpki-sign-2023', group: 'jpki-sign', kind: 'sign', file: 'sign_ca_2023.pem', notAfter: '2033-07-15T14:59:59Z' },
  { id: 'jpki-auth-2015', group: 'jpki-auth', kind: 'auth', file: 'auth_ca_2015.pem', notAfter: '2025-10-19T14:59:59Z' },
  { id: 'jpki-auth-2023', group: 'jpki-auth', kind: 'auth', file: 'auth_ca_2023.pem', notAfter: '2033-07-15T14:59:59Z' },
]);

type Preset = z.infer<typeof issuerPresetSchema>;
type Settings = z.infer<typeof issuerSettingsSchema>;

/** An id the preset can read group, kind and medium from: `jpki-[smartphone-]sign|auth-<year>`. */
const PRESET_ID = /^(jpki-(smartphone-)?(sign|auth))-[0-9]{4}$/;

export interface PresetExpansion {
  /** ordinary issuer entries (before the issuer schema's defaults), with the key each came from */
  issuers: { entry: Record<string, unknown>; key: string }[];
  problems: string[];
  /** for the log: CAs retired because their certificate expired, CAs left out */
  notices: string[];
}

/**
 * Expands the preset. Settings merge per CA: the group's, then the CA's own (a CA's `crls` replace the group's). A shipped CA whose
 * certificate has expired is retired (a notice says so) and may go without sources; one in force needs a source or `false`.
 */
export function expandJpkiPreset(preset: Preset, nowMs: number): PresetExpansion {
  const problems: string[] = [];
  const notices: string[] = [];
  const issuers: PresetExpansion['issuers'] = [];
  const shippedIds = new Set(JPKI_SHIPPED_CAS.map((c) => c.id));

  const merged = (group: string, own: Settings | undefined): Record<string, unknown> => ({ ...preset.groups[group], ...own });

  for (const ca of JPKI_SHIPPED_CAS) {
    const own = preset.cas[ca.id];
    const key = `issuers.cas.${ca.id}`;
    if (own === false) {
      notices.push(`${ca.id}: left out (${key}: false)`);
      continue;
    }
    if (own?.caCert !== undefined) problems.push(`${key}.caCert: ${ca.id} is shipped with the preset; give another id for another CA`);
    const { caCert: _caCert, group: ownGroup, ...settings } = own ?? {};
    if (ownGroup !== undefined && ownGroup !== ca.group) problems.push(`${key}.group: ${ca.id} belongs to group ${ca.group}`);
    const entry: Record<string, unknown> = {
      id: ca.id,
      group: ca.group,
      caCert: `${TRUST_ANCHORS_DIR}${ca.file}`,
      kind: ca.kind,
      medium: 'card',
      ...merged(ca.group, settings),
    };
    const expired = nowMs > Date.parse(ca.notAfter);
    if (expired) {
      if (entry.retired === false)
        problems.push(`${key}.retired: ${ca.id}'s certificate expired on ${ca.notAfter}; it can only be retired`);
      entry.retired = true;
      notices.push(`${ca.id}: CA certificate expired on ${ca.notAfter}: loaded as retired, never as an active generation`);
    } else if (!hasSource(entry)) {
      problems.push(`${key}: give crls (here) or ocsp (here or in issuers.groups.${ca.group}), or false to leave it out`);
      continue;
    }
    issuers.push({ entry, key });
  }

  for (const [id, own] of Object.entries(preset.cas)) {
    if (shippedIds.has(id) || own === false) continue;
    const key = `issuers.cas.${id}`;
    const parsedId = PRESET_ID.exec(id);
    const group = own.group ?? parsedId?.[1];
    const kind = own.kind ?? (parsedId?.[3] as 'sign' | 'auth' | undefined);
    if (own.caCert === undefined) problems.push(`${key}.caCert: ${id} is not shipped with the preset: give its CA certificate file`);
    if (group === undefined)
      problems.push(`${key}.group: cannot tell the group from the id; name it jpki-[smartphone-]sign|auth-YYYY or give group`);
    if (own.caCert === undefined || group === undefined) continue;
    const { caCert, group: _group, ...settings } = own;
    const entry: Record<string, unknown> = {
      id,
      group,
      caCert,
      ...(kind ? { kind } : {}),
      medium: parsedId?.[2] ? 'smartphone' : 'card',
      ...merged(group, settings),
    };
    issuers.push({ entry, key });
  }
  for (const group of Object.keys(preset.groups)) {
    if (!issuers.some((i) => i.entry.group === group)) problems.push(`issuers.groups.${group}: no CA of the preset is in this group`);
  }
  return { issuers, problems, notices };
}

function hasSource(entry: Record<string, unknown>): boolean {
  return (Array.isArray(entry.crls) && entry.crls.length > 0) || entry.ocsp !== undefined;
}
