/**
 * A fuzz worker thread: runs cases [from, to) of one target and reports through shared memory, so the parent sees how far it got
 * even when a case never returns (a hang) or takes the thread down (a heap over its limit). Failures are posted as they happen.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzCase } from './cases.ts';
import { parseTree, type DerNode } from './der-tree.ts';
import { SLOT, type FailureMessage, type WorkerInput } from './protocol.ts';
import { prepareSeed, type PreparedSeed } from './targets.ts';

function run(input: WorkerInput): void {
  const counters = new Int32Array(input.shared);
  const prepared: { seed: PreparedSeed; der: Uint8Array; tree: DerNode }[] = input.seeds.map((s) => {
    const der = new Uint8Array(s.der);
    return { seed: prepareSeed(input.target, { ...s, der }), der, tree: parseTree(der) };
  });
  for (let i = input.from; i < input.to; i++) {
    Atomics.store(counters, SLOT.current, i - input.from + 1);
    const { seedIndex, input: bytes, rng } = fuzzCase(prepared, input.seed, i);
    const seed = (prepared[seedIndex] as { seed: PreparedSeed }).seed;
    const outcome = seed.run(bytes, rng);
    Atomics.add(counters, SLOT.tried, 1);
    if (outcome.accepted) Atomics.add(counters, SLOT.accepted, 1);
    if (outcome.wrongGood) Atomics.add(counters, SLOT.wrongGood, 1);
    if (outcome.violation === null) Atomics.add(counters, SLOT.handled, 1);
    else {
      const message: FailureMessage = {
        type: 'failure',
        index: i,
        seedName: seed.name,
        violation: outcome.violation,
        message: outcome.message.slice(0, 4000),
        inputHex: Buffer.from(bytes.subarray(0, 16_384)).toString('hex'),
      };
      parentPort?.postMessage(message);
    }
  }
  Atomics.store(counters, SLOT.done, 1);
  parentPort?.postMessage({ type: 'done' });
}

run(workerData as WorkerInput);
