/** Case `index` of a run: which seed, which input, and the generator the target goes on with. The worker and a replay share it. */
import type { DerNode } from './der-tree.ts';
import { mutate } from './mutate.ts';
import { caseRng, type Rng } from './prng.ts';

export interface FuzzCase {
  seedIndex: number;
  input: Uint8Array;
  rng: Rng;
}

export function fuzzCase(seeds: readonly { der: Uint8Array; tree: DerNode }[], runSeed: number, index: number): FuzzCase {
  const rng = caseRng(runSeed, index);
  const seedIndex = rng.int(seeds.length);
  const seed = seeds[seedIndex] as { der: Uint8Array; tree: DerNode };
  return { seedIndex, input: mutate(seed.der, seed.tree, rng), rng };
}
