/**
 * What `verify` and `challenge` open: the config, the revocation store (Redis when REDIS_URL is set, else the embedded store in
 * the data directory — the same data and challenges a running `serve` or `start` uses), the CA registry, the OCSP client when an
 * issuer has one, and the status resolver over them. Opened lazily per command; a Redis that does not answer is exit 3.
 */
import type { Config } from '@jpki-validator/config';
import type { ChallengeStore, StatusResolver } from '@jpki-validator/status';
import { DataUnavailableError } from '../check/errors.js';
import type { CliIo } from '../io.js';

export interface VerifyContext {
  config: Config;
  resolver: StatusResolver;
  challenges: ChallengeStore;
  close(): Promise<void>;
}

export async function openVerifyContext(configFile: string | undefined, io: CliIo): Promise<VerifyContext> {
  const { loadConfig } = await import('@jpki-validator/config');
  const config = loadConfig({ file: configFile, env: io.env, cwd: io.cwd });
  const status = await import('@jpki-validator/status');
  const storeLib = await import('@jpki-validator/store');
  const registry = await status.createCaRegistry(config.issuers);

  let snapshots: import('@jpki-validator/status').SnapshotSource;
  let kv: import('@jpki-validator/store').SmallKv;
  let closeStore: () => Promise<void>;
  if (config.redisUrl !== null) {
    // retries off, as `check --redis` does: a dead Redis fails now (exit 3) instead of hanging the command
    const redis = storeLib.openRedis(
      config.redisUrl,
      { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 1, retryStrategy: () => null },
      { lazyConnect: true, clusterRetryStrategy: () => null },
    );
    redis.on('error', () => undefined); // reported by the failing command below
    const store = storeLib.createRedisStore({ redis });
    const release = async () => {
      await store.close().catch(() => undefined);
      redis.disconnect();
    };
    try {
      await redis.connect();
      const replica = await storeLib.startRedisReplica(store);
      snapshots = replica;
      closeStore = async () => {
        await replica.close();
        await release();
      };
    } catch (error) {
      await release();
      throw new DataUnavailableError(`Redis ${config.redisUrl} is unavailable: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    kv = store.kv;
  } else {
    const store = await storeLib.openEmbeddedStore({ dataDir: config.dataDir, watch: false });
    snapshots = store;
    kv = store.kv;
    closeStore = () => store.close();
  }
  const ocsp = registry.cas.some((ca) => ca.ocsp !== null) ? new status.OcspChecker({ kv }) : null;
  const resolver = new status.StatusResolver({ registry, snapshots, ocsp, meaning: config.profile.meaning });
  return { config, resolver, challenges: new status.ChallengeStore(kv), close: closeStore };
}
