/** The opaque `cursor` of a page of the history: the last row's (at, id), base64url. */
import { AuditError } from './errors.js';
import type { AuditKey } from './sink/types.js';

export function encodeAuditCursor(key: AuditKey): string {
  return Buffer.from(`${key.atMs}.${key.id}`, 'latin1').toString('base64url');
}

export function decodeAuditCursor(text: string): AuditKey {
  const m = /^(\d{1,15})\.(\d{1,19})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (m === null) throw new AuditError('AUDIT_BAD_REQUEST', 'cursor: not a cursor this service gave (take `next` from a page as it is)');
  return { atMs: Number(m[1]), id: BigInt(m[2] as string) };
}
