import { formatTime, OID, type CrlProblem, type CrlScanResult, type IssuingDistributionPoint } from '@jpki-validator/x509';
import { hex } from './hex.js';

/** A problem found by the CLI itself rather than the scanner (it knows the CA certificate; the scanner only its key). */
export interface InspectProblem {
  code: CrlProblem['code'] | 'ISSUER_NAME_MISMATCH' | 'CA_NOT_CRL_SIGNER';
  message: string;
  offset?: number;
}

/** `crl inspect`'s summary line (docs/cli.md, `crl inspect`), plus what `openssl crl -text` would also show. */
export interface CrlSummary {
  issuer: string;
  /** cRLNumber, decimal */
  number: string | null;
  /** deltaCRLIndicator's BaseCRLNumber, decimal; null for a full CRL */
  deltaOf: string | null;
  idp: Omit<IssuingDistributionPoint, 'der'> | null;
  thisUpdate: string;
  nextUpdate: string | null;
  entries: number;
  reasons: Record<string, number>;
  signature: CrlScanResult['signature'];
  usable: boolean;
  errors: InspectProblem[];
  version: 1 | 2;
  signatureAlgorithm: string;
  authorityKeyIdentifier: string | null;
  freshestCrl: boolean;
  extensions: Array<{ oid: string; name: string | null; critical: boolean }>;
  bytes: number;
}

let oidNames: Map<string, string> | undefined;

/** `2.5.29.20` → `cRLNumber`: the name after the `id_ce_` / `id_pe_` prefix of the OID table's key. */
function extensionName(oid: string): string | null {
  oidNames ??= new Map(Object.entries(OID).map(([name, value]) => [value, name.replace(/^id_(ce|pe)_/, '')]));
  return oidNames.get(oid) ?? null;
}

export function summariseCrl(scan: CrlScanResult, cliProblems: readonly InspectProblem[]): CrlSummary {
  const idp = scan.issuingDistributionPoint;
  const errors: InspectProblem[] = [...scan.problems, ...cliProblems];
  return {
    issuer: scan.header.issuer.text,
    number: scan.crlNumber === null ? null : scan.crlNumber.toString(),
    deltaOf: scan.deltaCrlIndicator === null ? null : scan.deltaCrlIndicator.toString(),
    idp:
      idp === null
        ? null
        : {
            fullName: idp.fullName,
            nameRelativeToCRLIssuer: idp.nameRelativeToCRLIssuer,
            onlyContainsUserCerts: idp.onlyContainsUserCerts,
            onlyContainsCACerts: idp.onlyContainsCACerts,
            onlySomeReasons: idp.onlySomeReasons,
            indirectCRL: idp.indirectCRL,
            onlyContainsAttributeCerts: idp.onlyContainsAttributeCerts,
          },
    thisUpdate: formatTime(scan.header.thisUpdate),
    nextUpdate: scan.header.nextUpdate === null ? null : formatTime(scan.header.nextUpdate),
    entries: scan.entryCount,
    reasons: scan.reasons,
    signature: scan.signature,
    usable: errors.length === 0,
    errors,
    version: scan.header.version,
    signatureAlgorithm: scan.header.signatureAlgorithm.name,
    authorityKeyIdentifier: scan.authorityKeyIdentifier === null ? null : hex(scan.authorityKeyIdentifier),
    freshestCrl: scan.freshestCrl,
    extensions: scan.extensions.map((e) => ({ oid: e.oid, name: extensionName(e.oid), critical: e.critical })),
    bytes: scan.byteLength,
  };
}
