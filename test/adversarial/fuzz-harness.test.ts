/**
 * The fuzz runner checks itself: a case that never returns is reported as a hang at its index and the run goes on after it; a case
 * whose memory grows without bound takes only its worker down (heap limit) and is reported; a crash is a failure; the same seed
 * gives the same inputs. Without this, a runner that missed hangs would report a clean suite.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../apps/cli/test/run-cli.ts';
import { fuzzCase } from '../../packages/x509/test/fuzz/cases.ts';
import { parseTree } from '../../packages/x509/test/fuzz/der-tree.ts';
import { runFuzz } from '../../packages/x509/test/fuzz/run.ts';
import { allSeeds } from '../../packages/x509/test/fuzz/seeds.ts';
import type { FuzzSeed } from '../../packages/x509/test/fuzz/targets.ts';
import { recordResult } from './lib/record-result.ts';

const der = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x05);
const seed = (name: string): FuzzSeed => ({ name, der });

/** the indices among the first `cases` whose seed is `name` */
function casesOf(seeds: FuzzSeed[], runSeed: number, cases: number, name: string): number[] {
  const trees = seeds.map((s) => ({ der: s.der, tree: parseTree(s.der) }));
  const out: number[] = [];
  for (let i = 0; i < cases; i++) if (seeds[fuzzCase(trees, runSeed, i).seedIndex]?.name === name) out.push(i);
  return out;
}

/** faults planted and caught (a hang, runaway memory, a crash): the runner's own figures for the table */
const planted = { tried: 0, caught: 0 };
afterAll(() => {
  recordResult({
    file: import.meta.url,
    covers: 'the fuzz runner itself: planted hangs, runaway memory and crashes are caught and reported at their index',
    tried: planted.tried,
    handled: planted.caught,
    wrongGood: 0,
    unit: 'planted faults',
  });
});

describe('the fuzz runner', () => {
  it('the same seed and index give the same input; another seed another stream', () => {
    const seeds = allSeeds('crl').map((s) => ({ der: s.der, tree: parseTree(s.der) }));
    const inputs = (runSeed: number) =>
      Array.from({ length: 50 }, (_, i) => Buffer.from(fuzzCase(seeds, runSeed, i).input).toString('hex'));
    expect(inputs(5)).toEqual(inputs(5));
    expect(inputs(6)).not.toEqual(inputs(5));
    expect(new Set(inputs(5)).size).toBeGreaterThan(45);
  });

  it('reports a hang at its index, replaces the worker and goes on', async () => {
    await ensureBuilt();
    const seeds = [seed('fine'), seed('fine-too'), seed('hang')];
    const hangs = casesOf(seeds, 3, 8, 'hang');
    expect(hangs.length).toBeGreaterThan(0);
    const report = await runFuzz({ target: 'harness', seeds, seed: 3, cases: 8, hangMs: 1_500 });
    planted.tried += hangs.length;
    planted.caught += report.failures.filter((f) => f.violation === 'hang' && hangs.includes(f.index)).length;
    expect(report.failures.map((f) => [f.index, f.violation, f.seedName])).toEqual(hangs.map((i) => [i, 'hang', 'hang']));
    expect([report.tried, report.handled]).toEqual([8, 8 - hangs.length]);
  });

  it('a case that grows memory without bound dies alone (heap limit) and is reported; a crash is a failure', async () => {
    const seeds = [seed('fine'), seed('grow'), seed('throw')];
    const grows = casesOf(seeds, 11, 6, 'grow');
    const throws = casesOf(seeds, 11, 6, 'throw');
    expect(grows.length * throws.length).toBeGreaterThan(0);
    const report = await runFuzz({ target: 'harness', seeds, seed: 11, cases: 6, maxHeapMb: 48 });
    const byIndex = new Map(report.failures.map((f) => [f.index, f]));
    planted.tried += grows.length + throws.length;
    planted.caught += grows.filter((i) => /^memory: /.test(byIndex.get(i)?.message ?? '')).length;
    planted.caught += throws.filter((i) => byIndex.get(i)?.violation === 'crash').length;
    for (const i of grows) expect(byIndex.get(i)?.message).toMatch(/^memory: /);
    for (const i of throws) expect(byIndex.get(i)?.violation).toBe('crash');
    expect([report.tried, report.handled]).toEqual([6, 6 - grows.length - throws.length]);
  });
});
