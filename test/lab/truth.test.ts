/**
 * The lab's truth (deploy/lab/truth.ts) must know every state the simulator served, or it reports a "mixed batch" where the
 * validators were right: the full-size lab did, 13 times, for a CRL fetched after the simulator published the day's seeded
 * revocations and before the lab's deaths of that day. A copy of the simulator taken before `advance` is advanced alone (the
 * seeded revocations, no death): its answers are one served state, so the truth must find them consistent.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initSimulator, openSimulator } from '@jpki-validator/sim';
import { afterAll, expect, it } from 'vitest';
import { Truth } from '../../deploy/lab/truth.ts';

const dir = mkdtempSync(join(tmpdir(), 'jv-truth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a CRL served between the seeded revocations and the deaths of a generation is one served state, not a mix', async () => {
  const simDir = join(dir, 'sim');
  const copyDir = join(dir, 'copy');
  await initSimulator({
    dir: simDir,
    generations: [2023],
    kinds: ['sign'],
    smartphoneGenerations: [],
    populationPerCa: 4_000,
    partitions: 0,
    dailyRevokedRate: 0.01,
  });
  // every serial is a sample (4,000 of them)
  const truth = await Truth.open(simDir, 4_000);
  cpSync(simDir, copyDir, { recursive: true });
  const generation = await truth.advance(5);

  const seededOnly = await openSimulator(copyDir);
  await seededOnly.advance(1);
  const answers = truth.samples.map((s, sample) => ({
    sample,
    status: (truth.listedAt(generation - 1, sample) || seededOnly.status(s.caId, s.serial).status === 'revoked' ? 'revoked' : 'good') as
      | 'good'
      | 'revoked',
  }));
  const revoked = (want: (sample: number) => boolean): number => answers.filter((a) => a.status === 'revoked' && want(a.sample)).length;
  const listedBefore = answers.filter((a) => truth.listedAt(generation - 1, a.sample)).length;
  const listedAfter = answers.filter((a) => truth.listedAt(generation, a.sample)).length;
  // the served state is strictly between the two generations: seeded revocations on top of yesterday's, the 5 deaths not yet
  expect(revoked(() => true)).toBeGreaterThan(listedBefore);
  expect(listedAfter - revoked(() => true)).toBe(5);
  expect(truth.consistent(answers)).toBe(true);
  // and a state no version had (a death listed, a revocation seeded the same day missing) is still a mix
  const death = answers.find((a) => a.status === 'good' && truth.listedAt(generation, a.sample));
  const seeded = answers.find((a) => a.status === 'revoked' && !truth.listedAt(generation - 1, a.sample));
  expect(death).toBeDefined();
  expect(seeded).toBeDefined();
  expect(
    truth.consistent(answers.map((a) => (a === death ? { ...a, status: 'revoked' } : a === seeded ? { ...a, status: 'good' } : a))),
  ).toBe(false);
}, 60_000);
