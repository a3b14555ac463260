/**
 * Typed errors of the simulator: a caller's mistake (bad option, unknown CA, serial out of range) or a state directory that is
 * missing, broken or already there — each a `usage` error the CLI maps to exit code 2.
 */
import { type ErrorKindTable, errorBaseFor } from '@jpki-validator/errors';

const SIM_ERROR_KINDS = {
  SIM_BAD_OPTION: 'usage',
  SIM_UNKNOWN_CA: 'usage',
  SIM_UNKNOWN_PARTITION: 'usage',
  SIM_SERIAL_OUT_OF_RANGE: 'usage',
  SIM_STATE_MISSING: 'usage',
  SIM_STATE_INVALID: 'usage',
  SIM_STATE_EXISTS: 'usage',
} as const satisfies ErrorKindTable;

export type SimErrorCode = keyof typeof SIM_ERROR_KINDS;

export class SimError extends errorBaseFor(SIM_ERROR_KINDS) {}

export class SimUsageError extends SimError {}

export class SimStateError extends SimError {
  /** The state file or key file at fault. */
  readonly file: string;

  constructor(
    code: Extract<SimErrorCode, 'SIM_STATE_MISSING' | 'SIM_STATE_INVALID' | 'SIM_STATE_EXISTS'>,
    message: string,
    file: string,
    options?: { cause?: unknown },
  ) {
    super(code, `${message} (${file})`, options);
    this.file = file;
  }
}
