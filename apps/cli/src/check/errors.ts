/**
 * Errors of `check` that stop the whole run (a bad ROW never does: it becomes its own output row with a `detail`).
 * Exit codes come from apps/cli/src/exit-code.ts through the stable `code`.
 */

/** The input file as a whole is malformed (no `serial` column, broken quoting, a line that is not JSON): exit 2, naming the line. */
export class MalformedInputError extends Error {
  /** CSV_MALFORMED for CSV, INPUT_UNREADABLE for JSON Lines: both map to exit 2 */
  readonly code: 'CSV_MALFORMED' | 'INPUT_UNREADABLE';
  /** 1-based line of the input where the problem starts (the header is line 1); 0 when the file is empty */
  readonly line: number;

  constructor(format: 'csv' | 'jsonl', input: string, line: number, why: string) {
    super(`${input}: line ${line}: ${why}`);
    this.name = new.target.name;
    this.code = format === 'csv' ? 'CSV_MALFORMED' : 'INPUT_UNREADABLE';
    this.line = line;
  }
}

/** The source cannot answer at all (store down, API unreachable, no CRL could be loaded): exit 3. */
export class DataUnavailableError extends Error {
  readonly code = 'DATA_UNAVAILABLE' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
