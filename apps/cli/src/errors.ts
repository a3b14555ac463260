import { type ErrorKindTable, errorBaseFor } from '@jpki-validator/errors';

const CLI_ERROR_KINDS = {
  USAGE: 'usage',
  INPUT_UNREADABLE: 'usage',
  CSV_MALFORMED: 'usage',
  /** the source cannot answer at all (store down, API unreachable, no CRL could be loaded) */
  DATA_UNAVAILABLE: 'unavailable',
} as const satisfies ErrorKindTable;

export type CliErrorCode = keyof typeof CLI_ERROR_KINDS;

export class CliError extends errorBaseFor(CLI_ERROR_KINDS) {}

/** A mistake in how the CLI was called (unknown command, bad flag, missing file): exit 2, message names what was wrong. */
export class UsageError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super('USAGE', message, options);
  }
}

/** An input file that cannot be read at all. */
export class InputError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super('INPUT_UNREADABLE', message, options);
  }
}
