/**
 * docs/metrics.md's reference part: every metric family of the validator, the fetcher and the watch job, read from their
 * registries (name, type, labels, help) — the same objects /metrics serves.
 */
import { createFetcherMetrics } from '@jpki-validator/crl-fetcher';
import type { RevocationReader } from '@jpki-validator/store';
import { bareApp } from '@jpki-validator/validator';
import { createWatchMetrics } from '@jpki-validator/watcher';
import { table } from './markers.ts';

interface Family {
  name: string;
  type: string;
  help: string;
  labelNames?: readonly string[];
}

const families = (registry: { getMetricsAsArray(): readonly unknown[] }): Family[] =>
  (registry.getMetricsAsArray() as Family[]).filter((m) => !/_(process|nodejs)_/.test(m.name));

function part(title: string, list: Family[]): string {
  return [
    `## ${title}`,
    '',
    table(
      ['name', 'type', 'labels', 'what'],
      list.map((m) => [`\`${m.name}\``, m.type, (m.labelNames ?? []).map((l) => `\`${l}\``).join(', '), m.help]),
    ),
    '',
  ].join('\n');
}

export async function renderMetrics(): Promise<string> {
  const { metrics } = await bareApp();
  // the fetcher's registry is read at scrape time only: no store is asked while its families are listed
  const fetcher = createFetcherMetrics({ store: {} as RevocationReader, scopes: [] });
  return [
    part('Validator', families(metrics.registry)),
    'Also, from prom-client: the process and Node.js runtime families (`jpki_validator_process_*`, `jpki_validator_nodejs_*`).',
    'The audit history adds `jpki_validator_audit_unshipped_bytes`, `jpki_validator_audit_shipping_failures` and',
    '`jpki_validator_audit_orphan_journals` when it is on.',
    '',
    part('Fetcher', families(fetcher.registry)),
    part('Watch job', families(createWatchMetrics().registry)),
  ].join('\n');
}
