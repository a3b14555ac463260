import { errorKind } from './error-kind.js';
import type { ErrorKind } from './jpki-validator-error.js';

/**
 * The process exit codes of every entry point (the CLI's commands and each service's main.ts):
 * 0 done · 1 a check failed (`--fail-on` matched, a certificate not valid) · 2 bad usage or malformed input as a whole ·
 * 3 data unavailable (store down, nothing to answer from) · 70 an internal fault (a bug: please report it).
 */
export const EXIT = { OK: 0, CHECK_FAILED: 1, BAD_INPUT: 2, UNAVAILABLE: 3, INTERNAL: 70 } as const;

export type FailureExitCode = (typeof EXIT)['BAD_INPUT' | 'UNAVAILABLE' | 'INTERNAL'];

const EXIT_FOR_KIND: Readonly<Record<ErrorKind, FailureExitCode>> = {
  usage: EXIT.BAD_INPUT,
  unavailable: EXIT.UNAVAILABLE,
  internal: EXIT.INTERNAL,
};

/** The one mapping from an error to the exit code a process ends with. */
export function exitCodeFor(error: unknown): FailureExitCode {
  return EXIT_FOR_KIND[errorKind(error)];
}

/** What a process prints when `error` ends it: the message, with the stack only for an internal fault (a bug to report). */
export function failureText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return errorKind(error) === 'internal' && error.stack !== undefined ? error.stack : error.message;
}
