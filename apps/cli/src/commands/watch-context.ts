/**
 * What every `watch …` command opens: the config, the revocation store (Redis when REDIS_URL is set, else the embedded store in
 * the data directory) and the watch list beside it (Redis keys, or `<dataDir>/watch/`). Opened lazily per command.
 */
import { join } from 'node:path';
import type { Config } from '@jpki-validator/config';
import type { CaSnapshot, OpsRoom } from '@jpki-validator/store';
import type { IssuerResolver, WatchRepository } from '@jpki-validator/watch';
import type { CliIo } from '../io.js';

export interface WatchContext {
  config: Config;
  repo: WatchRepository;
  snapshot(caId: string): Promise<CaSnapshot | null>;
  /** the config's issuers as the watch list resolves them (unknown issuers, or none configured, are an error) */
  resolveIssuer: IssuerResolver;
  redisUrl: string | null;
  watchDir: string;
  /** the store's ops history room (opened with the store; null without) — `watch run` records its pass there for the console */
  ops: OpsRoom | null;
  close(): Promise<void>;
}

export async function openWatchContext(configFile: string | undefined, io: CliIo, withStore: boolean): Promise<WatchContext> {
  const { loadConfig, issuerKind } = await import('@jpki-validator/config');
  const config = loadConfig({ file: configFile, env: io.env, cwd: io.cwd });
  const watch = await import('@jpki-validator/watch');
  const resolveIssuer = watch.createIssuerResolver(config.issuers.map((i) => ({ id: i.id, group: i.group, kind: issuerKind(i) })));
  const storeLib = await import('@jpki-validator/store');
  const watchDir = join(config.dataDir, 'watch');
  if (config.redisUrl !== null) {
    const repo = watch.createRedisWatch({ redis: config.redisUrl });
    const store = withStore ? storeLib.createRedisStore({ redis: config.redisUrl }) : null;
    return {
      config,
      repo,
      resolveIssuer,
      redisUrl: config.redisUrl,
      watchDir,
      ops: store?.ops ?? null,
      snapshot: async (caId) => (store === null ? null : store.loadSnapshot(caId)),
      async close() {
        await repo.close();
        await store?.close();
      },
    };
  }
  const repo = await watch.openEmbeddedWatch({ dir: watchDir });
  const store = withStore ? await storeLib.openEmbeddedStore({ dataDir: config.dataDir, watch: false }) : null;
  return {
    config,
    repo,
    resolveIssuer,
    redisUrl: null,
    watchDir,
    ops: store?.ops ?? null,
    snapshot: async (caId) => store?.snapshot(caId) ?? null,
    async close() {
      await repo.close();
      await store?.close();
    },
  };
}
