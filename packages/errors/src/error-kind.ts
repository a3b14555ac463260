import { type ErrorKind, JpkiValidatorError } from './jpki-validator-error.js';

/**
 * Node's system error codes that reach the top without being wrapped: a path the user gave that cannot be opened is their
 * mistake; a peer that does not answer is unavailable. Anything else unclassified is a fault of ours.
 */
const SYSTEM_CODE_KINDS: Readonly<Record<string, ErrorKind>> = {
  ENOENT: 'usage',
  ENOTDIR: 'usage',
  EISDIR: 'usage',
  EACCES: 'usage',
  EPERM: 'usage',
  ENAMETOOLONG: 'usage',
  ELOOP: 'usage',
  EADDRINUSE: 'usage',
  EADDRNOTAVAIL: 'usage',
  ECONNREFUSED: 'unavailable',
  ECONNRESET: 'unavailable',
  ETIMEDOUT: 'unavailable',
  EHOSTUNREACH: 'unavailable',
  ENETUNREACH: 'unavailable',
  ENOTFOUND: 'unavailable',
  EAI_AGAIN: 'unavailable',
};

/** ioredis gives up on a command with this error when Redis stays unreachable past its retries. */
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError']);

/** What kind of failure `error` is: its own kind for our errors, a classification of Node's and our drivers', else internal. */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof JpkiValidatorError) return error.kind;
  if (typeof error !== 'object' || error === null) return 'internal';
  const code: unknown = 'code' in error ? error.code : undefined;
  if (typeof code === 'string') {
    const kind = SYSTEM_CODE_KINDS[code];
    if (kind !== undefined) return kind;
  }
  if (error instanceof Error && UNAVAILABLE_NAMES.has(error.name)) return 'unavailable';
  return 'internal';
}
