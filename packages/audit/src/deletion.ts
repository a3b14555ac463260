/**
 * Erasing one customer's records on request: every row of the given serials (of one issuer, or any) deleted, and the deletion
 * recorded as an entry of its own in the same transaction. The entry keeps what an auditor needs — when, by whom, why, how many
 * rows and serials — and a SHA-256 of the sorted serial list (so a later question "was this list erased?" can be answered),
 * never the serials themselves.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AuditSink } from './sink/types.js';

export interface DeletionRequest {
  /** the contract's form (upper-case hex, no leading zeros) */
  serials: readonly string[];
  issuer: string | null;
  /** who asked: an API key id, or `cli` */
  requestedBy: string | null;
  /** why, in the requester's words (kept in the entry) */
  reason: string | null;
  requestId?: string;
  nowMs?: number;
}

export interface DeletionResult {
  deleted: number;
  serials: number;
  /** the deletion entry's request id */
  requestId: string;
  at: string;
  listSha256: string;
}

export function serialListDigest(serials: readonly string[]): string {
  return createHash('sha256')
    .update([...new Set(serials)].sort().join('\n'), 'utf8')
    .digest('hex');
}

export async function deleteCustomerRecords(sink: AuditSink, request: DeletionRequest): Promise<DeletionResult> {
  const serials = [...new Set(request.serials)];
  const atMs = request.nowMs ?? Date.now();
  const requestId = request.requestId ?? randomUUID();
  const listSha256 = serialListDigest(serials);
  const deleted = await sink.deleteSerials(serials, request.issuer, (n) => ({
    atMs,
    requestId,
    apiKeyId: request.requestedBy,
    purpose: null,
    route: 'audit.delete',
    issuer: request.issuer,
    caId: null,
    serial: null,
    kind: null,
    medium: null,
    result: 'deleted',
    reason: null,
    meaning: null,
    method: null,
    crlNumber: null,
    ocspProducedAt: null,
    dataAgeSeconds: null,
    detail: `rows=${n} serials=${serials.length} sha256=${listSha256}${request.reason ? ` reason=${request.reason}` : ''}`,
    signature: null,
    personalShown: null,
  }));
  return { deleted, serials: serials.length, requestId, at: new Date(atMs).toISOString(), listSha256 };
}
