/**
 * The CAs `check` answers for: from `--ca CERT…` (id = the file name without extension, as `cert inspect` names CAs; group = the
 * id without a trailing `-<year>`, the JPKI/simulator naming (medium smartphone when the id says `smartphone`), so `jpki-sign` checks every generation), or else from the config.
 * `check` never spends OCSP queries (a bulk run of millions would): every CA answers from CRL data alone (`crl-only`).
 */
import { resolve } from 'node:path';
import { CARD_POLICIES, DEFAULT_FETCH_TUNING, type Config, type IssuerConfig, type PartitionConfig } from '@jpki-validator/config';
import { CaRegistry, type RegisteredCa } from '@jpki-validator/status';
import { caIdFromPath } from '../../commands/input-files.js';

const DEFAULT_FRESHNESS = { graceSeconds: 0, skewSeconds: 300 } as const;

export function issuersFromCaFiles(files: readonly string[], cwd: string): IssuerConfig[] {
  return files.map((file) => {
    const id = caIdFromPath(file);
    return {
      id,
      group: id.replace(/-\d{4}$/, '') || id,
      caCertPath: resolve(cwd, file),
      partitions: [],
      fetch: { ...DEFAULT_FETCH_TUNING },
      ocsp: null,
      refresh: { intervalMs: 15 * 60 * 1000 },
      freshness: { ...DEFAULT_FRESHNESS },
      mode: 'crl-only',
      retired: false,
      kind: null,
      // the simulator's and the preset's naming: jpki-smartphone-… is a smartphone CA
      medium: /(^|-)smartphone(-|$)/.test(id) ? 'smartphone' : 'card',
      policies: CARD_POLICIES,
    };
  });
}

/** `--ca` files when given, else the config's issuers; always CRL-only (no OCSP in bulk) */
export function checkIssuers(caFiles: readonly string[], config: Config, cwd: string): IssuerConfig[] {
  const issuers = caFiles.length > 0 ? issuersFromCaFiles(caFiles, cwd) : config.issuers;
  return issuers.map((i) => ({ ...i, mode: 'crl-only', ocsp: null }));
}

/** the same CAs with their partitions replaced (offline: the slots the CRLs given fill, see offline.ts) */
export function withPartitions(registry: CaRegistry, partitions: ReadonlyMap<string, readonly PartitionConfig[]>): CaRegistry {
  return new CaRegistry(registry.cas.map((ca): RegisteredCa => ({ ...ca, partitions: partitions.get(ca.id) ?? [] })));
}
