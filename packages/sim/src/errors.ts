/**
 * Typed errors of the simulator. `SimUsageError` is a caller's mistake (bad option, unknown CA, serial out of range): the CLI
 * maps it to exit code 2. `SimStateError` is a broken or missing state directory.
 */
export type SimErrorCode =
  | 'SIM_BAD_OPTION'
  | 'SIM_UNKNOWN_CA'
  | 'SIM_UNKNOWN_PARTITION'
  | 'SIM_SERIAL_OUT_OF_RANGE'
  | 'SIM_STATE_MISSING'
  | 'SIM_STATE_INVALID'
  | 'SIM_STATE_EXISTS';

export class SimError extends Error {
  readonly code: SimErrorCode;

  constructor(code: SimErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

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
