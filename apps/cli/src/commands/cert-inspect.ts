import {
  formatTime,
  jpkiKind,
  readJpkiBasicDetails,
  viewJpkiBasicDetails,
  UnsupportedAlgorithmError,
  verifyCertificateSignature,
  X509Error,
  type KeyUsage,
  type ParsedCertificate,
} from '@jpki-validator/x509';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import { writeJsonLine, type CliIo, type Command } from '../io.js';
import { hex } from './hex.js';
import { caIdFromPath, readCertificateFile } from './input-files.js';
import { booleanFlag, listFlag, parseListArgs } from './list-args.js';

const USAGE = `usage: jpki-validator cert inspect FILE [--show-personal] [--ca CERT…]

Prints one JSON object describing a certificate (PEM or DER):
  {serial, issuer, subject, caId?, kind, notBefore, notAfter, keyId, authorityKeyId, crlDistributionPoints, ocsp,
   version, signatureAlgorithm, keyUsage, isCa, policies, selfIssued}

options:
  --ca CERT…        candidate issuing CA certificates (repeat the flag or list several): caId names the one whose key signed the
                    certificate (the CA file's name without extension, e.g. jpki-sign-2023), null when none did; the CA's
                    subject ("JPKI for digital signature" / "JPKI for user authentication") also tells kind sign / auth
  --show-personal   add basicDetails {name, address, birthDate, birthDatePrecision, birthDateSeason, birthDateRaw, birthDateEra,
                    gender, genderRaw}: the JPKI 4 basic details of a signature certificate (null when it has none; null with
                    basicDetailsError when its subjectAltName cannot be decoded). birthDate is the ISO date when fully known,
                    else the known part; birthDatePrecision says which (day|month|year|season|unknown). Personal data: shown
                    only with this flag.`;

const OPTIONS = {
  ca: { type: 'string', multiple: true },
  'show-personal': { type: 'boolean' },
} as const;

interface CaCandidate {
  id: string;
  cert: ParsedCertificate;
}

export const command: Command = {
  summary: 'describe a certificate (kind, serial, CRL and OCSP locations; personal details only on request)',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseListArgs(argv, OPTIONS, USAGE);
    if (booleanFlag(values, 'help')) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    const [file, ...extra] = positionals;
    if (file === undefined || extra.length > 0) throw new UsageError(`cert inspect takes one FILE (before --ca)\n\n${USAGE}`);
    const cert = await readCertificateFile(file, io.cwd);
    const caFiles = listFlag(values, 'ca');
    const cas: CaCandidate[] = [];
    for (const caFile of caFiles) cas.push({ id: caIdFromPath(caFile), cert: await readCertificateFile(caFile, io.cwd, 'CA certificate') });

    const issuer = cas.find((ca) => issuedBy(cert, ca.cert));
    const description = {
      serial: cert.serialHex,
      issuer: cert.issuer.text,
      subject: cert.subject.text,
      ...(caFiles.length > 0 ? { caId: issuer?.id ?? null } : {}),
      kind: kindOf(cert, cas),
      notBefore: formatTime(cert.notBefore),
      notAfter: formatTime(cert.notAfter),
      keyId: cert.subjectKeyIdentifier === null ? null : hex(cert.subjectKeyIdentifier),
      authorityKeyId: cert.authorityKeyIdentifier === null ? null : hex(cert.authorityKeyIdentifier),
      crlDistributionPoints: (cert.cRLDistributionPoints ?? []).flatMap((dp) => (dp.fullName ?? []).map(stripUriPrefix)),
      ocsp: cert.ocspUrls,
      version: cert.version,
      signatureAlgorithm: cert.signatureAlgorithm?.name ?? cert.signatureAlgorithmOid,
      keyUsage: cert.keyUsage === null ? null : keyUsageNames(cert.keyUsage),
      isCa: cert.basicConstraints?.cA ?? false,
      policies: cert.certificatePolicies ?? [],
      selfIssued: cert.selfIssued,
      ...(booleanFlag(values, 'show-personal') ? basicDetailsOf(cert) : {}),
    };
    await writeJsonLine(io.stdout, description);
    return EXIT.OK;
  },
};

function issuedBy(cert: ParsedCertificate, ca: ParsedCertificate): boolean {
  if (ca.publicKey === null) return false;
  try {
    return verifyCertificateSignature(cert, ca.publicKey);
  } catch (error) {
    if (error instanceof UnsupportedAlgorithmError) return false;
    throw error;
  }
}

/**
 * JPKI kind by policy first (jpkiKind), then by issuing CA. Which CA is which is read from its subject's OU, the way J-LIS (and the
 * simulator) name them; a self-issued CA certificate counts among the candidates too, so a J-LIS root is itself `sign` or `auth`.
 */
function kindOf(cert: ParsedCertificate, cas: readonly CaCandidate[]): ReturnType<typeof jpkiKind> {
  const candidates = cert.selfIssued && cert.basicConstraints?.cA ? [...cas.map((c) => c.cert), cert] : cas.map((c) => c.cert);
  const keysOf = (ou: string) =>
    candidates.filter((c) => c.subject.text.includes(`OU=${ou}`)).flatMap((c) => (c.publicKey ? [c.publicKey] : []));
  return jpkiKind(cert, { signCaKeys: keysOf('JPKI for digital signature'), authCaKeys: keysOf('JPKI for user authentication') });
}

/**
 * The 4 basic details, or null (an authentication certificate). A subjectAltName that cannot be decoded costs the details only:
 * `basicDetails: null` and `basicDetailsError` saying why, beside everything else about the certificate.
 */
function basicDetailsOf(cert: ParsedCertificate): { basicDetails: object | null; basicDetailsError?: string } {
  let details: ReturnType<typeof readJpkiBasicDetails>;
  try {
    details = readJpkiBasicDetails(cert);
  } catch (error) {
    if (error instanceof X509Error) return { basicDetails: null, basicDetailsError: error.message };
    throw error;
  }
  if (details === null) return { basicDetails: null };
  return { basicDetails: viewJpkiBasicDetails(details) };
}

function stripUriPrefix(name: string): string {
  return name.startsWith('URI:') ? name.slice(4) : name;
}

function keyUsageNames(usage: KeyUsage): string[] {
  return (Object.keys(usage) as Array<keyof KeyUsage>).filter((k) => usage[k]);
}
