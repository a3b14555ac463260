/**
 * The JSON batch's items checked by hand: 10 000 items through zod cost more than answering them. A bad item never fails the batch
 * (the contract): an item whose issuer or serial is not a string, or that is not an object at all, is asked with an empty issuer or
 * serial, so it gets its `unknown` answer in place — `malformed_serial` for a missing or non-string serial, `issuer_unknown` for a
 * missing issuer — exactly as the NDJSON stream answers the same line. An `id` is echoed whatever JSON value it is. Only a body
 * that is not `{"items":[…]}` is refused, with the schema's own 400 (routes/batch.ts).
 */
import type { BatchItem } from './batch-answers.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const isPlainItem = (item: unknown): item is BatchItem =>
  isRecord(item) &&
  typeof item.issuer === 'string' &&
  typeof item.serial === 'string' &&
  (item.partition === undefined || typeof item.partition === 'string');

/** one parsed item as the answerer asks it (see the module comment) */
export function batchItemOf(value: unknown): BatchItem {
  if (!isRecord(value)) return { issuer: '', serial: '' };
  const item: BatchItem = {
    issuer: typeof value.issuer === 'string' ? value.issuer : '',
    serial: typeof value.serial === 'string' ? value.serial : '',
  };
  if (value.id !== undefined) item.id = value.id;
  // only a string names a partition; any other value is no hint (the whole-issuer rule answers)
  if (typeof value.partition === 'string') item.partition = value.partition;
  return item;
}

/** the items of `{"items":[…]}`, or null when the body is not of that shape */
export function batchItems(body: unknown): BatchItem[] | null {
  if (!isRecord(body)) return null;
  const items = body.items;
  if (!Array.isArray(items)) return null;
  // the common case keeps the parsed array as it is; one odd item and the batch is mapped item by item
  if ((items as unknown[]).every(isPlainItem)) return items as BatchItem[];
  return (items as unknown[]).map(batchItemOf);
}
