/**
 * An issuer as a watch-list row names it (a CA id or a group) to what the config says it stands for. Unknown issuers are an
 * error, and so is a watch list without configured issuers: accepting any name would watch serials no CRL will ever be checked
 * for, and a pass would report "0 revoked" for customers who died (fail closed).
 */
import { WatchError } from './errors.js';
import type { CertificateKind, IssuerTableEntry } from './list/issuer-table.js';

export interface IssuerEntry {
  id: string;
  group: string;
  /** what its certificates are; absent: `other` */
  kind?: CertificateKind;
}

export type IssuerResolver = (issuer: string) => IssuerTableEntry;

export function createIssuerResolver(issuers: readonly IssuerEntry[]): IssuerResolver {
  return (issuer) => {
    if (issuers.length === 0)
      throw new WatchError(
        'WATCH_ISSUER_UNKNOWN',
        `issuer "${clip(issuer)}" is not configured: no issuers are configured (give --config FILE or JPKI_VALIDATOR_CONFIG)`,
      );
    const byId = issuers.filter((i) => i.id === issuer);
    const cas = byId.length > 0 ? byId : issuers.filter((i) => i.group === issuer);
    const first = cas[0];
    if (first === undefined)
      throw new WatchError('WATCH_ISSUER_UNKNOWN', `issuer "${clip(issuer)}" is neither a configured CA id nor a group`);
    const kinds = new Set(cas.map((c) => c.kind ?? 'other'));
    return { issuer, group: first.group, caIds: cas.map((c) => c.id), kind: kinds.size === 1 ? (first.kind ?? 'other') : 'other' };
  };
}

function clip(s: string, max = 64): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
