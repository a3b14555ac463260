/**
 * Which configured partition a certificate belongs to: its CRL distribution point names (URI, directoryName — the same matching
 * the fetcher binds each partition's CRL with, x509 scope-names.ts) against the names each configured partition is bound to. The
 * certificate's signature has been verified by then, so its distribution point is the CA's word; and the partition's slot only
 * ever holds a CRL whose issuingDistributionPoint names the same point. That partition fresh is then enough to vouch for it.
 */
import type { PartitionConfig } from '@jpki-validator/config';
import { certPointNames, dirNameTextScopeName, directDistributionPoints, uriScopeName, type ParsedCertificate } from '@jpki-validator/x509';
import type { RegisteredCa } from './ca-registry.js';

/** per configured partition list: scope name key → the partitions bound to it */
const indexes = new WeakMap<readonly PartitionConfig[], Map<string, string[]>>();

function indexOf(partitions: readonly PartitionConfig[]): Map<string, string[]> {
  let index = indexes.get(partitions);
  if (index === undefined) {
    index = new Map();
    for (const p of partitions) {
      const keys = new Set<string>();
      for (const uri of p.uris) keys.add(uriScopeName(uri).key);
      for (const dn of p.dirNames) {
        try {
          keys.add(dirNameTextScopeName(dn).key);
        } catch {
          // validated when the config was read; a name built in code that cannot be parsed simply binds nothing
        }
      }
      for (const key of keys) {
        const list = index.get(key);
        if (list) list.push(p.name);
        else index.set(key, [p.name]);
      }
    }
    indexes.set(partitions, index);
  }
  return index;
}

/** the configured partition of `ca` the certificate's distribution points name; null when none does, or several do */
export function partitionOfCertificate(ca: RegisteredCa, cert: ParsedCertificate): string | null {
  const points = directDistributionPoints(cert);
  if (points === null || points.length === 0 || ca.partitions.length === 0) return null;
  const index = indexOf(ca.partitions);
  const found = new Set<string>();
  for (const dp of points) for (const name of certPointNames(dp, cert.issuer)) for (const p of index.get(name.key) ?? []) found.add(p);
  if (found.size !== 1) return null;
  const [only] = found;
  return only ?? null;
}

/** whether some CA of an issuer (id or group) has a configured partition of this name */
export function partitionNamed(cas: readonly RegisteredCa[], name: string): boolean {
  return cas.some((ca) => ca.partitions.some((p) => p.name === name));
}
