/** Typed errors of the status package: user mistakes (bad input) vs configuration faults, each with a stable code. */
export type StatusErrorCode = 'CA_CERT_INVALID' | 'BAD_REQUEST';

export class StatusError extends Error {
  readonly code: StatusErrorCode;

  constructor(code: StatusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

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
