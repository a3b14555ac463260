/**
 * Every Redis key and channel of the store, built here and nowhere else (bullmq `queue-keys.ts` style).
 *
 * All of a CA's keys carry the hash tag `{caId}`, so they live in one Redis Cluster slot and the switch script may touch them in
 * one atomic step. The CA-id set, the identity key, the kv keys and the channel are outside every CA's slot and only ever used
 * one key at a time (PUBLISH reaches every node of a cluster).
 *
 *   <p>:cas                      set of CA ids with data (added before a CA's first switch; see caIds)
 *   <p>:id                       the store's identity: a random id set once (SET NX); gone or changed = Redis lost data
 *   <p>:switch                   pub/sub channel: one JSON SwitchEvent per switch
 *   <p>:kv:<key>                 SmallKv values
 *   <p>:ops:list:<name>          list: an ops-history capped list, newest first (ops/redis-ops-room.ts)
 *   <p>:ops:day:<YYYY-MM-DD>     hash: the ops-history counters of one JST day, expiring DAYS_KEPT days after its last write
 *   <p>:{ca}:cur                 hash: gen (the CA's generation, +1 per switch), epoch (made with the first switch), last (the
 *                                loadId of the switch that made gen: the same number with another last is other content)
 *   <p>:{ca}:parts               hash: partition → its metadata, JSON (PartitionMeta + loadId, baseLoadId, runBytes)
 *   <p>:{ca}:run:<loadId>        string: a partition's run — every entry its CRLs listed, sorted (core/run-codec.ts); written
 *                                with a TTL, made persistent by the switch, deleted by the partition's next switch
 *   <p>:{ca}:chg                 string: the latest switch's changes (core/changes-codec.ts), for diffGenerations
 *   <p>:{ca}:expected            string: the CA's partition set as its fetcher's config declares it, JSON {partitions, declaredAtMs};
 *                                in the CA's slot, so a data loss takes it with the data (a reader then knows nothing is complete)
 *   <p>:{ca}:chg:<loadId>        the same, pending (TTL) until the switch renames it
 *
 * No per-CA bitmaps: a national CA's partitions each spread over the whole serial range, so any merged structure in Redis is
 * rewritten wholesale by every partition's switch. Runs cost 9 bytes an entry and a switch writes only its partition's run;
 * readers merge the runs in memory (core/revocation-set.ts) and catch up per changed run.
 */

export interface CaKeys {
  current: string;
  partitions: string;
  run(loadId: string): string;
  changes: string;
  pendingChanges(loadId: string): string;
  expected: string;
}

export interface StoreKeys {
  prefix: string;
  cas: string;
  identity: string;
  channel: string;
  kv(key: string): string;
  opsList(name: string): string;
  opsDay(day: string): string;
  ca(caId: string): CaKeys;
}

export function createStoreKeys(prefix: string): StoreKeys {
  if (prefix.length === 0 || /[{}]/.test(prefix))
    throw new RangeError(`key prefix ${JSON.stringify(prefix)} must be non-empty without braces (they would change the hash slot)`);
  return {
    prefix,
    cas: `${prefix}:cas`,
    identity: `${prefix}:id`,
    channel: `${prefix}:switch`,
    kv: (key) => `${prefix}:kv:${key}`,
    opsList: (name) => `${prefix}:ops:list:${name}`,
    opsDay: (day) => `${prefix}:ops:day:${day}`,
    ca(caId) {
      if (caId.length === 0 || /[{}]/.test(caId)) throw new RangeError(`CA id ${JSON.stringify(caId)} must be non-empty without braces`);
      const base = `${prefix}:{${caId}}`;
      return {
        current: `${base}:cur`,
        partitions: `${base}:parts`,
        run: (loadId) => `${base}:run:${loadId}`,
        changes: `${base}:chg`,
        expected: `${base}:expected`,
        pendingChanges: (loadId) => `${base}:chg:${loadId}`,
      };
    },
  };
}

/** fields of the `cur` hash */
export const CURRENT_GENERATION = 'gen';
export const CURRENT_EPOCH = 'epoch';
export const CURRENT_LAST_SWITCH = 'last';

/** the placeholder the switch script replaces with the generation it makes (in the partition metadata and the event) */
export const GENERATION_PLACEHOLDER = -1;
