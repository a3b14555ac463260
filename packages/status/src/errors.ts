/** Typed errors of the status package: user mistakes (bad input) vs configuration faults, each with a stable code. */
import { type ErrorKindTable, errorBaseFor } from '@jpki-validator/errors';

const STATUS_ERROR_KINDS = {
  /** a configured CA or responder certificate that cannot be used: a config fault the operator fixes */
  CA_CERT_INVALID: 'usage',
  BAD_REQUEST: 'usage',
  /** a certificate given for validation that cannot be read */
  CERT_MALFORMED: 'usage',
  /** an OCSP responder that did not answer in time, could not be reached, or answered with an HTTP error */
  OCSP_TIMEOUT: 'unavailable',
  OCSP_NETWORK: 'unavailable',
  OCSP_HTTP_STATUS: 'unavailable',
} as const satisfies ErrorKindTable;

export type StatusErrorCode = keyof typeof STATUS_ERROR_KINDS;

export class StatusError extends errorBaseFor(STATUS_ERROR_KINDS) {}

/** A configured CA (or OCSP responder) certificate cannot be used; the message names the issuer and the file. */
export class CaCertificateError extends StatusError {
  readonly issuerId: string;
  readonly file: string;

  constructor(issuerId: string, file: string, why: string, options?: { cause?: unknown }) {
    super('CA_CERT_INVALID', `issuer ${issuerId}: ${file}: ${why}`, options);
    this.issuerId = issuerId;
    this.file = file;
  }
}
