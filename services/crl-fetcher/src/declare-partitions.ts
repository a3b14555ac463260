/**
 * The fetcher tells the store each CA's complete partition set, from its config: a reader without a config of its own (`check
 * --redis --ca`) takes it as the set a bare serial needs loaded and fresh to be `good` — the store's own list only says which
 * partitions happen to be loaded. Declared before loading and again after a data loss (the declaration lives beside the CA's
 * data and goes with it).
 */
import type { Config } from '@jpki-validator/config';
import type { RevocationStore } from '@jpki-validator/store';
import type { Logger } from './logger.js';

export async function declarePartitions(
  config: Pick<Config, 'issuers'>,
  store: RevocationStore,
  logger: Logger,
  only?: readonly string[],
): Promise<void> {
  for (const issuer of config.issuers) {
    if (issuer.partitions.length === 0 || (only !== undefined && !only.includes(issuer.id))) continue;
    try {
      await store.declarePartitions(
        issuer.id,
        issuer.partitions.map((p) => p.name),
      );
    } catch (error) {
      // the loads that follow fail the same way and say so; readers meanwhile treat the CA as incomplete
      logger.warn({ caId: issuer.id, err: error }, 'could not record the partition set in the store');
    }
  }
}
