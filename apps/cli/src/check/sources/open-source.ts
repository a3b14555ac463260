/**
 * Builds the CheckSource a `check` run asked for: `--crl` (offline), `--redis` or `--api`. The offline and Redis sources answer
 * through packages/status's columnar bulk resolver over in-memory snapshots (the status rules, no second copy of them here); the
 * API source asks a validator.
 */
import type { Config } from '@jpki-validator/config';
import type { CaSnapshot } from '@jpki-validator/store';
import { BulkStatusResolver, createCaRegistry, type CaRegistry, type SnapshotSource } from '@jpki-validator/status';
import { UsageError } from '../../errors.js';
import { ApiSource } from './api.js';
import { checkIssuers, withPartitions } from './issuers.js';
import { loadOfflineCrls } from './offline.js';
import { loadRedisSnapshots } from './redis.js';
import { StatusSource } from './status-source.js';
import type { CheckSource } from './types.js';

export type SourceChoice =
  | { kind: 'crl'; crls: readonly string[]; verify: boolean; completeSet: boolean }
  | { kind: 'redis'; url: string; prefix?: string }
  | { kind: 'api'; url: string; apiKey?: string };

export interface OpenSourceOptions {
  choice: SourceChoice;
  caFiles: readonly string[];
  /** loaded only when needed (no --ca, or for the profile) */
  config: () => Config;
  cwd: string;
  /** a line for stderr: what limits the answers (e.g. partition CRLs given without the rest of their set) */
  warn?: (line: string) => void;
}

export async function openCheckSource(options: OpenSourceOptions): Promise<CheckSource> {
  const { choice } = options;
  if (choice.kind === 'api') return new ApiSource({ url: choice.url, ...(choice.apiKey === undefined ? {} : { apiKey: choice.apiKey }) });

  const config = options.config();
  const issuers = checkIssuers(options.caFiles, config, options.cwd);
  if (issuers.length === 0) throw new UsageError('check needs the CAs: give --ca CERT… or a config (--config FILE) with issuers');
  const baseRegistry = await createCaRegistry(issuers);
  const meaning = config.profile.meaning;

  if (choice.kind === 'crl') {
    const { store, partitions, notes } = await loadOfflineCrls({
      crls: choice.crls,
      registry: baseRegistry,
      verify: choice.verify,
      completeSet: choice.completeSet,
      cwd: options.cwd,
    });
    for (const note of notes) options.warn?.(note);
    return statusSource(withPartitions(baseRegistry, partitions), store, meaning, () => store.close());
  }
  const redis = await loadRedisSnapshots(choice.url, choice.prefix, baseRegistry);
  // A config lists every partition (a bare serial is good only when all are fresh); with --ca alone, the store's own list.
  const registry = options.caFiles.length > 0 ? withPartitions(baseRegistry, redis.partitions) : baseRegistry;
  const snapshots: SnapshotSource = { snapshot: (caId: string): CaSnapshot | null => redis.snapshots.get(caId) ?? null };
  return statusSource(registry, snapshots, meaning, redis.close);
}

function statusSource(
  registry: CaRegistry,
  snapshots: SnapshotSource,
  meaning: Config['profile']['meaning'],
  close: () => Promise<void>,
): StatusSource {
  const resolver = new BulkStatusResolver({ registry, snapshots, meaning });
  return new StatusSource({ resolver, registry, snapshots, close });
}
