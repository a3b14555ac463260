/**
 * The scope a configured CRL slot must hold, built from its config once (RFC 4514 directory names parsed, URIs normalised): the
 * fetcher refuses any CRL whose issuingDistributionPoint does not prove it is that scope, complete (x509 `checkCrlSlotScope`).
 */
import type { PartitionConfig } from '@jpki-validator/config';
import { dirNameTextScopeName, uriScopeName, type CrlSlotScope } from '@jpki-validator/x509';

const cache = new WeakMap<PartitionConfig, CrlSlotScope>();

export function slotScopeOf(partition: PartitionConfig): CrlSlotScope {
  let scope = cache.get(partition);
  if (scope === undefined) {
    scope = {
      kind: partition.scope,
      names: [...partition.uris.map(uriScopeName), ...partition.dirNames.map(dirNameTextScopeName)],
    };
    cache.set(partition, scope);
  }
  return scope;
}
