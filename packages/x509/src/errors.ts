/**
 * Typed errors of the X.509 engine. Every error has a stable `code` that the API maps to problem+json and the CLI to exit codes.
 * DER errors also carry the byte offset into the input and the path to the field being read, so an operator can find the fault.
 */
import { type ErrorKindTable, errorBaseFor } from '@jpki-validator/errors';

/** Every code of the engine with its kind: all are about the input given to it. */
const X509_ERROR_KINDS = {
  DER_MALFORMED: 'usage',
  DER_TRUNCATED: 'usage',
  DER_TRAILING_DATA: 'usage',
  DER_TOO_DEEP: 'usage',
  INPUT_TOO_LARGE: 'usage',
  CRL_MALFORMED: 'usage',
  CERT_MALFORMED: 'usage',
  OCSP_MALFORMED: 'usage',
  OCSP_INVALID: 'usage',
  UNSUPPORTED_ALGORITHM: 'usage',
  SERIAL_MALFORMED: 'usage',
  TIME_MALFORMED: 'usage',
  PATH_INVALID: 'usage',
  CMS_MALFORMED: 'usage',
  SIGNATURE_INPUT_INVALID: 'usage',
  NAME_MALFORMED: 'usage',
} as const satisfies ErrorKindTable;

export type X509ErrorCode = keyof typeof X509_ERROR_KINDS;

export class X509Error extends errorBaseFor(X509_ERROR_KINDS) {}

/** Bad DER: `offset` is the absolute byte offset in the input (of the whole stream, not a chunk); `path` names the field. */
export class DerError extends X509Error {
  readonly offset: number;
  readonly path: string;

  constructor(
    code: Extract<
      X509ErrorCode,
      'DER_MALFORMED' | 'DER_TRUNCATED' | 'DER_TRAILING_DATA' | 'DER_TOO_DEEP' | 'INPUT_TOO_LARGE' | 'TIME_MALFORMED'
    >,
    message: string,
    offset: number,
    path: string,
  ) {
    super(code, `${message} at byte ${offset} (${path})`);
    this.offset = offset;
    this.path = path;
  }
}

export class UnsupportedAlgorithmError extends X509Error {
  readonly oid: string;
  constructor(oid: string, what = 'signature algorithm') {
    super('UNSUPPORTED_ALGORITHM', `unsupported ${what} ${oid}`);
    this.oid = oid;
  }
}

export class SerialError extends X509Error {
  constructor(input: string, why: string) {
    super('SERIAL_MALFORMED', `malformed serial ${JSON.stringify(input.length > 64 ? `${input.slice(0, 64)}…` : input)}: ${why}`);
  }
}
