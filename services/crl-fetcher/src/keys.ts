/**
 * Every Redis key and name of the fetcher, built here and nowhere else (bullmq `queue-keys.ts` style). BullMQ builds its own
 * keys under `<bullPrefix>:<queue>:…`; the fetcher adds only its partition locks:
 *
 *   <p>:{<caId>}:fetch-lock:<partition>    string: the token of the worker loading that CRL scope (SET NX PX, renewed)
 *
 * The `{caId}` hash tag puts a CA's locks in the same Redis Cluster slot as the store's keys of that CA.
 */

export const QUEUE_NAME = 'crl-fetch';
/** BullMQ key prefix unless configured (on a Redis Cluster it becomes the hash tag `{jpki-bull}`: see bullPrefix in the store) */
export const DEFAULT_BULL_PREFIX = 'jpki-bull';
/** fetcher key prefix unless configured (the store's default prefix, so one `jpki:*` namespace holds everything) */
export const DEFAULT_FETCHER_PREFIX = 'jpki';

export interface FetcherKeys {
  prefix: string;
  lock(caId: string, partition: string): string;
}

export function createFetcherKeys(prefix: string = DEFAULT_FETCHER_PREFIX): FetcherKeys {
  if (prefix.length === 0 || /[{}]/.test(prefix))
    throw new RangeError(`key prefix ${JSON.stringify(prefix)} must be non-empty without braces (they would change the hash slot)`);
  return {
    prefix,
    lock: (caId, partition) => `${prefix}:{${caId}}:fetch-lock:${partition}`,
  };
}

/** BullMQ forbids `:` in custom job ids (its own repeat ids use it); partition names may hold one. */
const idPart = (s: string): string => s.replace(/[:%]/g, (c) => (c === ':' ? '%3A' : '%25'));

/**
 * The job scheduler of a CA's refresh (`partition` null: every partition of the CA, the one kind the fetcher upserts) or, as
 * earlier versions had them, of one partition; schedulers whose CA left the config are removed at start.
 */
export const schedulerId = (caId: string, partition: string | null = null): string =>
  partition === null ? `crl~${idPart(caId)}` : `crl~${idPart(caId)}~${idPart(partition)}`;

/** the one-off run after a CRL's nextUpdate: one id per (scope, nextUpdate), so reloading the same CRL adds no second job */
export const nextUpdateJobId = (caId: string, partition: string | null, nextUpdateMs: number): string =>
  partition === null ? `next-update~${idPart(caId)}~${nextUpdateMs}` : `next-update~${idPart(caId)}~${idPart(partition)}~${nextUpdateMs}`;

export const SCHEDULER_ID_PREFIX = 'crl~';
