/**
 * Errors of `check` that stop the whole run (a bad ROW never does: it becomes its own output row with a `detail`).
 * Their kinds give the exit code (@jpki-validator/errors exitCodeFor).
 */
import { CliError } from '../errors.js';

/** The input file as a whole is malformed (no `serial` column, broken quoting, a line that is not JSON): exit 2, naming the line. */
export class MalformedInputError extends CliError {
  /** 1-based line of the input where the problem starts (the header is line 1); 0 when the file is empty */
  readonly line: number;

  constructor(format: 'csv' | 'jsonl', input: string, line: number, why: string) {
    // CSV_MALFORMED for CSV, INPUT_UNREADABLE for JSON Lines: both exit 2
    super(format === 'csv' ? 'CSV_MALFORMED' : 'INPUT_UNREADABLE', `${input}: line ${line}: ${why}`);
    this.line = line;
  }
}

/** The source cannot answer at all (store down, API unreachable, no CRL could be loaded): exit 3. */
export class DataUnavailableError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super('DATA_UNAVAILABLE', message, options);
  }
}
