/**
 * The base of every error this product throws on purpose. `kind` says who must act, and so how the error leaves the process:
 * - `usage`: the caller's mistake — a bad flag, config, file or request (CLI exit 2, HTTP 400);
 * - `unavailable`: something the product depends on cannot answer now — a store, a lock, a responder (exit 3, HTTP 503);
 * - `internal`: a fault in the product itself, a bug (exit 70, HTTP 500).
 * `code` is stable: tests, logs, reports and callers match on it, never on the message.
 *
 * A package declares its codes and their kinds in one table and derives its code type and base class from it, so a new code
 * cannot be added without choosing its kind:
 *
 * ```ts
 * const STORE_ERROR_KINDS = { ROLLBACK: 'usage', LOCK_TIMEOUT: 'unavailable' } as const satisfies ErrorKindTable;
 * export type StoreErrorCode = keyof typeof STORE_ERROR_KINDS;
 * export class StoreError extends errorBaseFor(STORE_ERROR_KINDS) {}
 * ```
 */
export type ErrorKind = 'usage' | 'unavailable' | 'internal';

/** A package's codes, each with its kind. */
export type ErrorKindTable = Readonly<Record<string, ErrorKind>>;

export abstract class JpkiValidatorError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly kind: ErrorKind;

  constructor(code: Code, kind: ErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.kind = kind;
  }
}

/**
 * The base class of a package's errors, its codes and their kinds taken from the package's table:
 * `export class StoreError extends errorBaseFor(STORE_ERROR_KINDS) {}` gives `new StoreError(code, message, options?)`.
 */
export function errorBaseFor<const Table extends ErrorKindTable>(kinds: Table) {
  return class extends JpkiValidatorError<Extract<keyof Table, string>> {
    constructor(code: Extract<keyof Table, string>, message: string, options?: ErrorOptions) {
      super(code, kinds[code] as ErrorKind, message, options);
    }
  };
}
