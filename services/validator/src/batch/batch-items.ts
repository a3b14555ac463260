/**
 * The JSON batch's items checked by hand: 10 000 items through zod cost more than answering them. Accepts exactly what
 * BatchRequestSchema accepts in the common case and nothing it refuses; anything unusual answers null and the caller asks the
 * schema itself, so odd bodies get zod's own verdict and wording (routes/batch.ts).
 */
import type { BatchItem } from './batch-answers.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** the items of `{"items":[{"issuer","serial","id"?}…]}`, or null when the schema has to judge the body */
export function batchItems(body: unknown): BatchItem[] | null {
  if (!isRecord(body)) return null;
  const items = body.items;
  if (!Array.isArray(items)) return null;
  for (const item of items as unknown[]) {
    if (!isRecord(item) || typeof item.issuer !== 'string' || typeof item.serial !== 'string') return null;
    const id = item.id;
    if (id !== undefined && typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) return null;
  }
  return items as BatchItem[];
}
