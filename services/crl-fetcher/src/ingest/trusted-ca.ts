import { readFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { parseCertificate, type ParsedCertificate } from '@jpki-validator/x509';
import type { IssuerConfig } from '@jpki-validator/config';
import { JpkiValidatorError } from '@jpki-validator/errors';

/** A configured CA whose CRLs we accept: its certificate and the key that must have signed them. */
export interface TrustedCa {
  id: string;
  group: string;
  certificate: ParsedCertificate;
  key: KeyObject;
}

/** A configured CA certificate that cannot be read or cannot sign CRLs: a config fault, named by issuer and file. */
export class TrustedCaError extends JpkiValidatorError<'CONFIG_INVALID'> {
  constructor(message: string, options?: ErrorOptions) {
    super('CONFIG_INVALID', 'usage', message, options);
  }
}

/**
 * Reads an issuer's CA certificate. A CA certificate without cRLSign cannot sign CRLs (RFC 5280 §6.3.3): refusing it here
 * turns a silent "every CRL rejected" into a start-up error that names the file.
 */
export async function loadTrustedCa(issuer: IssuerConfig): Promise<TrustedCa> {
  let certificate: ParsedCertificate;
  try {
    certificate = parseCertificate(await readFile(issuer.caCertPath));
  } catch (error) {
    throw new TrustedCaError(
      `issuer ${issuer.id}: caCert ${issuer.caCertPath}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  if (!certificate.publicKey)
    throw new TrustedCaError(
      `issuer ${issuer.id}: caCert ${issuer.caCertPath}: key cannot be used (${certificate.publicKeyError ?? 'unknown reason'})`,
    );
  if (certificate.keyUsage && !certificate.keyUsage.cRLSign) {
    throw new TrustedCaError(`issuer ${issuer.id}: caCert ${issuer.caCertPath}: keyUsage lacks cRLSign, so this CA cannot sign CRLs`);
  }
  return { id: issuer.id, group: issuer.group, certificate, key: certificate.publicKey };
}
