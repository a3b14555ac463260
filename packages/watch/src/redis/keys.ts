/**
 * Every Redis key of the watch list, built here and nowhere else. All of them carry the hash tag `{watch}`: imports, rotations
 * and passes write the customer records and the per-CA bitmaps in one MULTI, which a Redis Cluster allows only within one slot
 * (the list lives on one node; a pass never combines it with the store's keys in Redis — detection runs on the in-memory
 * snapshot). The watched / reported / fresh bitmaps use the store's chunking and bit order, so a chunk of the watch list lines
 * up with the store chunk of the same number.
 *
 *   <p>:{watch}:cust                       hash customerId → record JSON
 *   <p>:{watch}:cas                        set of CA ids with watched serials
 *   <p>:{watch}:exp                        zset customerId → notAfter ms, expiries not reported yet
 *   <p>:{watch}:ids                        set of recorded event ids (what makes "never twice" hold)
 *   <p>:{watch}:events                     list of event JSON, in record order
 *   <p>:{watch}:lock                       the writer lock (imports, rotations, passes)
 *   <p>:{watch}:ca:<ca>:own                   hash serial (contract hex) → JSON array of customer ids
 *   <p>:{watch}:ca:<ca>:chunks                set of chunk numbers with watched serials
 *   <p>:{watch}:ca:<ca>:w:<chunkNo>           watched bitmap
 *   <p>:{watch}:ca:<ca>:f:<chunkNo>           fresh bitmap: serials that gained a watcher since the last pass
 *   <p>:{watch}:ca:<ca>:r<code>:<chunkNo>     reported bitmap for reason code
 *   <p>:{watch}:ca:<ca>:long / :flong         watched / fresh serials outside the bitmap range (signed decimal)
 *   <p>:{watch}:ca:<ca>:rlong                 reported serials outside the bitmap range, "<code>:<signed decimal>"
 */
export interface WatchCaKeys {
  owners: string;
  chunks: string;
  watched(chunkNo: number): string;
  fresh(chunkNo: number): string;
  reported(code: number, chunkNo: number): string;
  long: string;
  freshLong: string;
  reportedLong: string;
}

export interface WatchKeys {
  customers: string;
  cas: string;
  expiries: string;
  eventIds: string;
  events: string;
  lock: string;
  ca(caId: string): WatchCaKeys;
}

export function createWatchKeys(prefix: string): WatchKeys {
  if (prefix.length === 0 || /[{}]/.test(prefix))
    throw new RangeError(`key prefix ${JSON.stringify(prefix)} must be non-empty without braces (they would change the hash slot)`);
  const p = `${prefix}:{watch}`;
  return {
    customers: `${p}:cust`,
    cas: `${p}:cas`,
    expiries: `${p}:exp`,
    eventIds: `${p}:ids`,
    events: `${p}:events`,
    lock: `${p}:lock`,
    ca(caId) {
      if (caId.length === 0 || /[{}]/.test(caId)) throw new RangeError(`CA id ${JSON.stringify(caId)} must be non-empty without braces`);
      const base = `${p}:ca:${caId}`;
      return {
        owners: `${base}:own`,
        chunks: `${base}:chunks`,
        watched: (chunkNo) => `${base}:w:${chunkNo}`,
        fresh: (chunkNo) => `${base}:f:${chunkNo}`,
        reported: (code, chunkNo) => `${base}:r${code}:${chunkNo}`,
        long: `${base}:long`,
        freshLong: `${base}:flong`,
        reportedLong: `${base}:rlong`,
      };
    },
  };
}
