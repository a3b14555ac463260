import type { IssuerConfig } from './load.js';

export type IssuerKind = 'sign' | 'auth' | 'other';

/**
 * What kind of certificates a configured CA issues. The config's `kind` wins; otherwise the id or group says it
 * (`jpki-sign-…`, `jpki-auth-…`, as the simulator and the J-LIS naming do); else `other`.
 */
export function issuerKind(issuer: Pick<IssuerConfig, 'id' | 'group' | 'kind'>): IssuerKind {
  if (issuer.kind) return issuer.kind;
  const name = `${issuer.id} ${issuer.group}`;
  if (/(^|[-\s])sign([-\s]|$)/.test(name)) return 'sign';
  if (/(^|[-\s])auth([-\s]|$)/.test(name)) return 'auth';
  return 'other';
}
