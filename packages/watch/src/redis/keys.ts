/**
 * Every Redis key of the watch list, built here and nowhere else. All carry the hash tag `{watch}`, so on a Redis Cluster they
 * share one slot and a MULTI may span them (the list lives on one node; a pass never combines it with the store's keys in Redis —
 * detection runs on the in-memory snapshot).
 *
 *   <p>:{watch}:journal                 list: the journal (positions are list indexes)
 *   <p>:{watch}:manifest                string: the current checkpoint and the journal position it covers (JSON)
 *   <p>:{watch}:ckpts                   set: checkpoint ids written (current, superseded, or left by a crashed writer)
 *   <p>:{watch}:ckpt:<id>:meta          string: segment byte lengths and part counts (JSON)
 *   <p>:{watch}:ckpt:<id>:<seg>:<part>  string: ≤ 64 MiB of a segment
 *   <p>:{watch}:lock                    the writer lock: "<host>|<pid>|<token>"
 */
export interface WatchKeys {
  journal: string;
  manifest: string;
  checkpoints: string;
  lock: string;
  checkpointMeta(id: string): string;
  checkpointPart(id: string, segment: number, part: number): string;
}

export function createWatchKeys(prefix: string): WatchKeys {
  if (prefix.length === 0 || /[{}]/.test(prefix))
    throw new RangeError(`key prefix ${JSON.stringify(prefix)} must be non-empty without braces (they would change the hash slot)`);
  const p = `${prefix}:{watch}`;
  return {
    journal: `${p}:journal`,
    manifest: `${p}:manifest`,
    checkpoints: `${p}:ckpts`,
    lock: `${p}:lock`,
    checkpointMeta: (id) => `${p}:ckpt:${id}:meta`,
    checkpointPart: (id, segment, part) => `${p}:ckpt:${id}:${segment}:${part}`,
  };
}
