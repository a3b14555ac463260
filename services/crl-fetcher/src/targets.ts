import type { Config, IssuerConfig, PartitionConfig } from '@jpki-validator/config';
import { loadTrustedCa, TrustedCaError, type TrustedCa } from './ingest/trusted-ca.js';
import { createSource } from './sources/index.js';
import type { CrlSource } from './sources/types.js';

/** One CRL scope the fetcher keeps current: a configured partition of a configured CA, with its source. */
export interface PartitionTarget {
  ca: TrustedCa;
  issuer: IssuerConfig;
  partition: PartitionConfig;
  source: CrlSource;
}

export interface ResolvedTargets {
  targets: PartitionTarget[];
  /** CAs whose certificate could not be used (config errors, exit 2): every problem, not just the first */
  problems: { issuer: IssuerConfig; error: TrustedCaError }[];
}

export const scopeKey = (caId: string, partition: string): string => `${caId}\u0000${partition}`;

/** Reads every configured CA certificate and makes a source per partition. */
export async function resolveTargets(config: Pick<Config, 'issuers'>): Promise<ResolvedTargets> {
  const targets: PartitionTarget[] = [];
  const problems: ResolvedTargets['problems'] = [];
  for (const issuer of config.issuers) {
    let ca: TrustedCa;
    try {
      ca = await loadTrustedCa(issuer);
    } catch (error) {
      if (error instanceof TrustedCaError) {
        problems.push({ issuer, error });
        continue;
      }
      throw error;
    }
    for (const partition of issuer.partitions) targets.push({ ca, issuer, partition, source: createSource(partition.source) });
  }
  return { targets, problems };
}
