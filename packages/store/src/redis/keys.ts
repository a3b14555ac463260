/**
 * Every Redis key and channel of the store, built here and nowhere else (bullmq `queue-keys.ts` style).
 *
 * All of a CA's keys carry the hash tag `{caId}`, so they live in one Redis Cluster slot and the switch script may touch them in
 * one atomic step. The CA-id set, the kv keys and the channel are outside every CA's slot and only ever used one key at a time
 * (PUBLISH reaches every node of a cluster). Chunk keys are named by the load that wrote them (`loadId`) and never change once written: readers may cache
 * them forever, and a generation that did not touch a chunk reuses the previous generation's keys.
 *
 *   <p>:cas                              set of CA ids with data (added before a CA's first switch; see caIds)
 *   <p>:switch                           pub/sub channel: one JSON SwitchEvent per switch
 *   <p>:kv:<key>                         SmallKv values
 *   <p>:{ca}:cur                         hash, current manifest: gen, c:<chunkNo> → "<loadId>:<count>:<hasInval>", long → loadId
 *   <p>:{ca}:prev                        hash, previous manifest (kept for diffs)
 *   <p>:{ca}:parts                       hash, partition → PartitionMeta JSON
 *   <p>:{ca}:m:<loadId>                  hash, a pending manifest (TTL until the switch)
 *   <p>:{ca}:k:<loadId>:<chunkNo>:l      listed bitmap (bit = serial − chunkNo·2^chunkBits, Redis bit order)
 *   <p>:{ca}:k:<loadId>:<chunkNo>:r<n>   bitmap of serials whose reason is n (absent when none): for BITOP / BITCOUNT
 *   <p>:{ca}:k:<loadId>:<chunkNo>:rr     reason byte per listed serial, by rank
 *   <p>:{ca}:k:<loadId>:<chunkNo>:d      revocationDate, u32 LE seconds per listed serial, by rank
 *   <p>:{ca}:k:<loadId>:<chunkNo>:i      invalidityDate likewise (0 = none); absent when no entry of the chunk has one
 *   <p>:{ca}:long:<loadId>               hash, serials outside the bitmap range: signed decimal → "reason,revokedSec,invalSec"
 */
import { LISTING_REASON_CODES } from '@jpki-validator/x509';

export interface ChunkKeys {
  listed: string;
  reasonsByRank: string;
  dates: string;
  invalidity: string;
  reason(code: number): string;
  /** every key a chunk may have (for deletion) */
  all(): string[];
}

export interface CaKeys {
  current: string;
  previous: string;
  partitions: string;
  pendingManifest(loadId: string): string;
  chunk(loadId: string, chunkNo: number): ChunkKeys;
  long(loadId: string): string;
}

export interface StoreKeys {
  prefix: string;
  cas: string;
  channel: string;
  kv(key: string): string;
  ca(caId: string): CaKeys;
}

export function createStoreKeys(prefix: string): StoreKeys {
  if (prefix.length === 0 || /[{}]/.test(prefix))
    throw new RangeError(`key prefix ${JSON.stringify(prefix)} must be non-empty without braces (they would change the hash slot)`);
  return {
    prefix,
    cas: `${prefix}:cas`,
    channel: `${prefix}:switch`,
    kv: (key) => `${prefix}:kv:${key}`,
    ca(caId) {
      if (caId.length === 0 || /[{}]/.test(caId)) throw new RangeError(`CA id ${JSON.stringify(caId)} must be non-empty without braces`);
      const base = `${prefix}:{${caId}}`;
      return {
        current: `${base}:cur`,
        previous: `${base}:prev`,
        partitions: `${base}:parts`,
        pendingManifest: (loadId) => `${base}:m:${loadId}`,
        long: (loadId) => `${base}:long:${loadId}`,
        chunk(loadId, chunkNo) {
          const k = `${base}:k:${loadId}:${chunkNo}`;
          const keys: ChunkKeys = {
            listed: `${k}:l`,
            reasonsByRank: `${k}:rr`,
            dates: `${k}:d`,
            invalidity: `${k}:i`,
            reason: (code) => `${k}:r${code}`,
            all: () => [keys.listed, keys.reasonsByRank, keys.dates, keys.invalidity, ...LISTING_REASON_CODES.map((c) => keys.reason(c))],
          };
          return keys;
        },
      };
    },
  };
}

/** manifest field names and values */
export const MANIFEST_GENERATION = 'gen';
export const MANIFEST_LONG = 'long';
export const chunkField = (chunkNo: number): string => `c:${chunkNo}`;

export interface ManifestChunk {
  chunkNo: number;
  loadId: string;
  count: number;
  hasInval: boolean;
}

export interface Manifest {
  generation: number;
  chunks: Map<number, ManifestChunk>;
  longLoadId: string | null;
}

export function formatChunkRef(c: ManifestChunk): string {
  return `${c.loadId}:${c.count}:${c.hasInval ? 1 : 0}`;
}

export function parseChunkRef(chunkNo: number, value: string): ManifestChunk {
  const [loadId = '', count = '0', inval = '0'] = value.split(':');
  return { chunkNo, loadId, count: Number(count), hasInval: inval === '1' };
}

export function parseManifest(fields: Record<string, string>): Manifest {
  const chunks = new Map<number, ManifestChunk>();
  for (const [field, value] of Object.entries(fields)) {
    if (!field.startsWith('c:')) continue;
    const chunkNo = Number(field.slice(2));
    chunks.set(chunkNo, parseChunkRef(chunkNo, value));
  }
  return { generation: Number(fields[MANIFEST_GENERATION] ?? 0), chunks, longLoadId: fields[MANIFEST_LONG] ?? null };
}
