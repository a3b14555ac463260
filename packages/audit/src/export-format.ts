/** A row of the history as a CSV line (RFC 4180 quoting, null as an empty cell) or a JSON line, columns in AUDIT_COLUMNS order. */
import { AUDIT_COLUMNS, type AuditRow } from './record.js';

export const auditCsvHeader = (): string => AUDIT_COLUMNS.join(',');

function cell(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function auditCsvLine(row: AuditRow): string {
  return AUDIT_COLUMNS.map((c) => cell(row[c])).join(',');
}

export function auditJsonLine(row: AuditRow): string {
  return JSON.stringify(row, AUDIT_COLUMNS as unknown as string[]);
}
