/**
 * The trusted CAs, from the config: each CA certificate parsed once and told apart by KEY (JPKI generations share one subject
 * DN), with its group, kind, policy and OCSP responder. Groups resolve to their CAs; a certificate resolves to the CA whose key
 * signed it.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CARD_POLICIES, type IssuerConfig, type Medium, type PartitionConfig } from '@jpki-validator/config';
import {
  formatTime,
  jpkiKind,
  parseCertificate,
  UnsupportedAlgorithmError,
  verifyCertificateSignature,
  type ParsedCertificate,
} from '@jpki-validator/x509';
import { CaCertificateError } from './errors.js';
import type { StatusMode } from './types.js';

export type CaKind = 'sign' | 'auth' | 'other';

export interface RegisteredCa {
  id: string;
  group: string;
  certificate: ParsedCertificate;
  key: KeyObject;
  /** subjectKeyIdentifier in upper-case hex, or the SHA-1 of the subjectPublicKey when the CA has none (RFC 5280 §4.2.1.2 (1)) */
  keyId: string;
  kind: CaKind;
  /** `card` or `smartphone`: every CA of a group has the same one (the config checks) */
  medium: Medium;
  /** policy OIDs that make one of this CA's leaves `sign` / `auth` */
  policies: { sign: readonly string[]; auth: readonly string[] };
  retired: boolean;
  mode: StatusMode;
  partitions: readonly PartitionConfig[];
  freshness: { graceSeconds: number; skewSeconds: number };
  /** `maxQueriesPerMinute`: this responder's own spend cap, null for the configured default */
  ocsp: { url: string; responderCert: ParsedCertificate | null; maxQueriesPerMinute: number | null } | null;
}

/** Why no trusted CA vouches for a certificate. */
export type IssuerProblem = 'issuer_unknown' | 'signature_invalid' | 'unsupported_algorithm';

export type IssuerMatch = { ca: RegisteredCa; problem: null } | { ca: null; problem: IssuerProblem };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

/**
 * The config's `kind` wins; otherwise the id or group says it (`jpki-sign-…`, `jpki-auth-…`), as the simulator and the J-LIS
 * naming do; else `other` (no OCSP cost is estimated for it).
 */
function kindOf(issuer: IssuerConfig): CaKind {
  if (issuer.kind) return issuer.kind;
  const name = `${issuer.id} ${issuer.group}`;
  if (/(^|[-\s])sign([-\s]|$)/.test(name)) return 'sign';
  if (/(^|[-\s])auth([-\s]|$)/.test(name)) return 'auth';
  return 'other';
}

async function readCert(issuerId: string, path: string): Promise<ParsedCertificate> {
  try {
    const bytes = await readFile(path);
    return parseCertificate(bytes.includes('-----BEGIN') ? bytes.toString('latin1') : new Uint8Array(bytes));
  } catch (error) {
    throw new CaCertificateError(issuerId, path, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

export class CaRegistry {
  readonly cas: readonly RegisteredCa[];
  private readonly byId = new Map<string, RegisteredCa>();
  private readonly byGroup = new Map<string, RegisteredCa[]>();

  constructor(cas: readonly RegisteredCa[]) {
    this.cas = cas;
    for (const ca of cas) {
      this.byId.set(ca.id, ca);
      const members = this.byGroup.get(ca.group) ?? [];
      members.push(ca);
      this.byGroup.set(ca.group, members);
    }
  }

  get(id: string): RegisteredCa | undefined {
    return this.byId.get(id);
  }

  /** the medium of an id or a group (one per group), null when neither is configured */
  mediumOf(idOrGroup: string): Medium | null {
    return this.resolve(idOrGroup)?.[0]?.medium ?? null;
  }

  /**
   * What a leaf certificate of `ca` is: `sign` or `auth` by the CA's configured policy OIDs (the card's by default), else by the
   * kind of the CA that signed it; `other` for a certificate no trusted CA vouches for and no policy names.
   */
  kindOf(cert: ParsedCertificate, ca: RegisteredCa | null): CaKind {
    const policies = cert.certificatePolicies ?? [];
    const oids = ca?.policies;
    if (oids) {
      if (policies.some((p) => oids.sign.includes(p))) return 'sign';
      if (policies.some((p) => oids.auth.includes(p))) return 'auth';
    }
    return jpkiKind(cert, { signCaKeys: ca?.kind === 'sign' ? [ca.key] : [], authCaKeys: ca?.kind === 'auth' ? [ca.key] : [] });
  }

  /** an id → that CA alone; a group → every CA in it; null when neither is configured */
  resolve(idOrGroup: string): readonly RegisteredCa[] | null {
    const one = this.byId.get(idOrGroup);
    if (one !== undefined && one.group !== idOrGroup) return [one];
    return this.byGroup.get(idOrGroup) ?? (one ? [one] : null);
  }

  /**
   * The trusted CA whose key signed `cert`. Candidates are the CAs whose key id equals the certificate's authorityKeyIdentifier
   * or whose subject equals its issuer DN; each is then checked by signature — the key decides, never the name.
   */
  issuerOf(cert: ParsedCertificate): IssuerMatch {
    const aki = cert.authorityKeyIdentifier ? hex(cert.authorityKeyIdentifier) : null;
    const candidates = this.cas.filter((ca) => ca.keyId === aki || Buffer.compare(ca.certificate.subject.der, cert.issuer.der) === 0);
    if (candidates.length === 0) return { ca: null, problem: 'issuer_unknown' };
    let unsupported = false;
    for (const ca of candidates) {
      try {
        if (verifyCertificateSignature(cert, ca.key)) return { ca, problem: null };
      } catch (error) {
        if (!(error instanceof UnsupportedAlgorithmError)) throw error;
        unsupported = true;
      }
    }
    return { ca: null, problem: unsupported ? 'unsupported_algorithm' : 'signature_invalid' };
  }
}

export interface CaRegistryOptions {
  /** decides whether a CA certificate has expired (default Date.now) */
  nowMs?: number;
  /** told of what an operator should see in the log: a CA retired because its certificate expired */
  onNotice?: (message: string, fields: { caId: string }) => void;
}

/**
 * Reads every configured CA certificate (and pinned OCSP responder certificate); a fault names the issuer and the file. A CA whose
 * certificate has expired is retired whatever the config says (a notice says so): a group never waits for it, and it is never an
 * active generation — its CRLs are still read when configured, for certificates it issued.
 */
export async function createCaRegistry(issuers: readonly IssuerConfig[], options: CaRegistryOptions = {}): Promise<CaRegistry> {
  const nowMs = options.nowMs ?? Date.now();
  const cas: RegisteredCa[] = [];
  for (const issuer of issuers) {
    const certificate = await readCert(issuer.id, issuer.caCertPath);
    if (!certificate.publicKey) {
      throw new CaCertificateError(issuer.id, issuer.caCertPath, `key cannot be used (${certificate.publicKeyError ?? 'unknown reason'})`);
    }
    const responderCert = issuer.ocsp?.responderCertPath ? await readCert(issuer.id, issuer.ocsp.responderCertPath) : null;
    const expired = nowMs > certificate.notAfter.getTime();
    if (expired)
      options.onNotice?.(
        `CA ${issuer.id}: certificate expired at ${formatTime(certificate.notAfter)}; loaded as retired${issuer.retired ? '' : ' (the config did not say so)'}`,
        { caId: issuer.id },
      );
    cas.push({
      id: issuer.id,
      group: issuer.group,
      certificate,
      key: certificate.publicKey,
      keyId: hex(certificate.subjectKeyIdentifier ?? createHash('sha1').update(certificate.subjectPublicKey).digest()),
      kind: kindOf(issuer),
      medium: issuer.medium ?? 'card',
      policies: issuer.policies ?? CARD_POLICIES,
      retired: issuer.retired || expired,
      mode: issuer.mode,
      partitions: issuer.partitions,
      freshness: issuer.freshness,
      ocsp: issuer.ocsp ? { url: issuer.ocsp.url, responderCert, maxQueriesPerMinute: issuer.ocsp.maxQueriesPerMinute ?? null } : null,
    });
  }
  return new CaRegistry(cas);
}
