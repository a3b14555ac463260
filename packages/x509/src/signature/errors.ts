import { X509Error } from '../errors.js';

/**
 * A signature request that cannot be judged at all — not a signature that fails to verify (that is a verdict, `invalid`).
 * `field` names the input at fault (`digest`, `algorithm`, `signature`, `cms`, `data`) so the API can answer a 400 naming it;
 * messages never echo the input.
 */
export class SignatureInputError extends X509Error {
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown; code?: 'CMS_MALFORMED' | 'SIGNATURE_INPUT_INVALID' }) {
    super(options?.code ?? 'SIGNATURE_INPUT_INVALID', `${field}: ${message}`, options?.cause === undefined ? {} : { cause: options.cause });
    this.field = field;
  }
}
