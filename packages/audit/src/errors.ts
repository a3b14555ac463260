/** Typed errors of the audit history, each with a stable code and the kind that says who must act. */
import { type ErrorKindTable, JpkiValidatorError } from '@jpki-validator/errors';

const AUDIT_ERROR_KINDS = {
  /** a query, export or deletion asked with a bad parameter (a time, a cursor, a purpose, an encoding) */
  AUDIT_BAD_REQUEST: 'usage',
  /** the audit database cannot be reached or refused a statement for a reason that may pass */
  AUDIT_UNAVAILABLE: 'unavailable',
  /** the database refused a statement for a reason that will not pass by itself */
  AUDIT_DATABASE_ERROR: 'internal',
  /** another shipper (or a commit whose answer was lost) moved a journal's cursor: read it again */
  AUDIT_CURSOR_MOVED: 'unavailable',
  /** a journal block that fails its checksum where the writer is known to be done with it */
  AUDIT_JOURNAL_CORRUPT: 'internal',
  /** the audit database holds a schema version newer than this release knows */
  AUDIT_SCHEMA_TOO_NEW: 'usage',
  /** the Node runtime lacks `node:sqlite` (Node ≥ 22.13 has it without a flag) */
  AUDIT_SQLITE_MISSING: 'usage',
} as const satisfies ErrorKindTable;

export type AuditErrorCode = keyof typeof AUDIT_ERROR_KINDS;

export class AuditError extends JpkiValidatorError<AuditErrorCode> {
  constructor(code: AuditErrorCode, message: string, options?: ErrorOptions) {
    super(code, AUDIT_ERROR_KINDS[code], message, options);
  }
}
