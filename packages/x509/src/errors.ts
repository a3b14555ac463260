/**
 * Typed errors of the X.509 engine. Every error has a stable `code` that the API maps to problem+json and the CLI to exit codes.
 * DER errors also carry the byte offset into the input and the path to the field being read, so an operator can find the fault.
 */
export type X509ErrorCode =
  | 'DER_MALFORMED'
  | 'DER_TRUNCATED'
  | 'DER_TRAILING_DATA'
  | 'DER_TOO_DEEP'
  | 'INPUT_TOO_LARGE'
  | 'CRL_MALFORMED'
  | 'CERT_MALFORMED'
  | 'OCSP_MALFORMED'
  | 'OCSP_INVALID'
  | 'UNSUPPORTED_ALGORITHM'
  | 'SERIAL_MALFORMED'
  | 'TIME_MALFORMED'
  | 'PATH_INVALID'
  | 'CMS_MALFORMED'
  | 'SIGNATURE_INPUT_INVALID';

export class X509Error extends Error {
  readonly code: X509ErrorCode;

  constructor(code: X509ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

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
