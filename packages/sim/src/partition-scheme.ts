import { formatNameDer } from '@jpki-validator/x509';
import { caNameRdns } from './ca.js';
import { MunicipalDirectory, municipalWeights, type Municipality } from './municipalities.js';
import { encodeName } from './names.js';
import { uniformPartitionMap, WeightedPartitionMap, type PartitionMap } from './partition-map.js';
import type { RevocationModel } from './population.js';
import type { MunicipalPartitioning, SimCaState } from './state.js';

/** Partition names: `p0000` … (municipality partitions, numbered). */
export function partitionName(index: number): string {
  return `p${String(index).padStart(4, '0')}`;
}

/** How one CA's serials are partitioned, and what each partition is called in distribution points. */
export interface PartitionScheme {
  readonly count: number;
  /** null: equal shares, URI-only distribution points, one CRL number per CA state */
  readonly municipal: MunicipalPartitioning | null;
  readonly map: PartitionMap;
  /** DER Name of the partition's distribution point (municipal partitions), else null */
  dirName(index: number): Uint8Array | null;
  /** RFC 4514 text of `dirName` (most specific RDN first), as the x509 reader renders it */
  dirNameText(index: number): string | null;
  municipality(index: number): Municipality | null;
}

/**
 * The distribution-point name of a municipal partition: the CA's own name, then `OU=CRL Distribution Points`, the prefecture
 * and the municipality — an X.500 entry under the CA where a directory would publish the municipality's CRL. The shape is
 * the simulator's design for a per-municipality DirName DP; the organisation stays the simulator's.
 */
export function municipalDirNameRdns(ca: SimCaState, m: Municipality) {
  return [
    ...caNameRdns(ca.kind),
    ['OU', 'CRL Distribution Points'] as const,
    ['OU', m.prefecture] as const,
    ['CN', `${m.name} CRLDP`] as const,
  ];
}

/** The CA's partition scheme, or null for an unpartitioned CA. `seed` is the simulator's (municipality sizes are shared by its CAs). */
export function partitionScheme(ca: SimCaState, model: RevocationModel, seed: number): PartitionScheme | null {
  if (ca.partitions <= 0) return null;
  const municipal = ca.municipal ?? null;
  if (municipal === null) {
    return {
      count: ca.partitions,
      municipal,
      map: uniformPartitionMap(model, ca.partitions),
      dirName: () => null,
      dirNameText: () => null,
      municipality: () => null,
    };
  }
  const directory = new MunicipalDirectory(ca.partitions);
  const names = new Map<number, Uint8Array>();
  const dirName = (index: number): Uint8Array => {
    let der = names.get(index);
    if (!der) {
      der = encodeName(municipalDirNameRdns(ca, directory.municipality(index)));
      names.set(index, der);
    }
    return der;
  };
  return {
    count: ca.partitions,
    municipal,
    map: new WeightedPartitionMap(model, municipalWeights(ca.partitions, municipal.skew, seed)),
    dirName,
    dirNameText: (index) => formatNameDer(dirName(index)),
    municipality: (index) => directory.municipality(index),
  };
}
