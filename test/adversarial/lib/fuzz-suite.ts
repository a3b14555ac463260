/**
 * The CI-sized fuzz runs (test/adversarial/fuzz-*.test.ts) share this: a fixed seed (FUZZ_SEED overrides it), a few thousand cases
 * (FUZZ_CASES overrides), the engine built first (the worker threads load `@jpki-validator/x509` from dist), and the figures
 * recorded before they are asserted. The long run is `npm run fuzz -- --cases 1000000` (scripts/fuzz.ts).
 */
import { ensureBuilt } from '../../../apps/cli/test/run-cli.ts';
import { runFuzz, type FuzzReport } from '../../../packages/x509/test/fuzz/run.ts';
import type { FuzzSeed, FuzzTarget } from '../../../packages/x509/test/fuzz/targets.ts';
import { recordResult } from './record-result.ts';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_203);

export async function fuzzAndRecord(options: {
  file: string;
  target: FuzzTarget;
  covers: string;
  seeds: FuzzSeed[];
  cases: number;
}): Promise<FuzzReport> {
  await ensureBuilt();
  const cases = Number(process.env.FUZZ_CASES ?? options.cases);
  const report = await runFuzz({ target: options.target, seeds: options.seeds, seed: FUZZ_SEED, cases, hangMs: 30_000 });
  recordResult({
    file: options.file,
    covers: options.covers,
    tried: report.tried,
    handled: report.handled,
    wrongGood: report.wrongGood,
    unit: `mutated inputs (seed ${FUZZ_SEED}, ${options.seeds.length} seeds, ${report.accepted} parsed)`,
  });
  return report;
}

/** a failure as one readable line, with what replays it */
export const describeFailure = (f: FuzzReport['failures'][number], target: FuzzTarget): string =>
  `case ${f.index} (${f.seedName}): ${f.violation}: ${f.message.split('\n')[0]} — replay: npm run fuzz -- --target ${target} --seed ${FUZZ_SEED} --from ${f.index} --cases 1`;
