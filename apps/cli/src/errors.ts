/** A mistake in how the CLI was called (unknown command, bad flag, missing file): exit 2, message names what was wrong. */
export class UsageError extends Error {
  readonly code = 'USAGE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An input file that cannot be read at all. */
export class InputError extends Error {
  readonly code = 'INPUT_UNREADABLE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
