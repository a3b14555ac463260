/** What a fuzz worker (worker.ts) and its runner (run.ts) pass each other. */
import type { FuzzSeed, FuzzTarget } from './targets.ts';

export interface WorkerInput {
  target: FuzzTarget;
  seed: number;
  from: number;
  to: number;
  seeds: FuzzSeed[];
  /** Int32Array slots, see SLOT */
  shared: SharedArrayBuffer;
}

/** what each Int32 slot of `shared` holds */
export const SLOT = { current: 0, tried: 1, handled: 2, wrongGood: 3, accepted: 4, done: 5 } as const;

export interface FailureMessage {
  type: 'failure';
  index: number;
  seedName: string;
  violation: string;
  message: string;
  inputHex: string;
}
