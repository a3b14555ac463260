/** Applies one load to an in-memory generation: the embedded store's commit, minus locking and persistence. */
import type { LoadOptions, PartitionMeta } from '../types.js';
import type { Chunk } from './chunk.js';
import type { ChunkBuilder } from './chunk-builder.js';
import type { EntryBuffer } from './entry-buffer.js';
import { mergeLong, nextPartitionMeta, sortPartitions } from './load-rules.js';
import { CaSnapshot } from './snapshot.js';

export interface AppliedLoad {
  snapshot: CaSnapshot;
  chunksWritten: number;
}

export function applyLoad(
  base: CaSnapshot,
  options: LoadOptions,
  entries: EntryBuffer,
  builder: ChunkBuilder,
  loadId: string,
  loadedAtMs: number,
  /** the CA's epoch: the base's, or a new one for a CA's first generation */
  epoch: string,
): AppliedLoad {
  const generation = base.generation + 1;
  const chunks = new Map<number, Chunk>(base.chunks);
  const { chunkNos, starts, order } = entries.groupByChunk(base.chunkBits);
  chunkNos.forEach((chunkNo, k) => {
    const merged = builder.build(
      loadId,
      chunkNo,
      base.chunks.get(chunkNo) ?? null,
      entries,
      order,
      starts[k] as number,
      starts[k + 1] as number,
    );
    if (merged === null) chunks.delete(chunkNo);
    else chunks.set(chunkNo, merged);
  });
  const long = entries.long.size === 0 ? base.long : mergeLong(base.long, entries.long);
  const existing = base.partitions.find((p) => p.partition === options.partition);
  const meta = nextPartitionMeta(existing, options, entries.count, generation, loadedAtMs);
  const partitions: PartitionMeta[] = sortPartitions([...base.partitions.filter((p) => p.partition !== options.partition), meta]);
  return {
    snapshot: new CaSnapshot(base.caId, generation, base.chunkBits, chunks, long, partitions, epoch),
    chunksWritten: chunkNos.length,
  };
}
