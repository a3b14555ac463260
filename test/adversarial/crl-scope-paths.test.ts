/**
 * The wrong-partition case (issue 10 #1) through every way the product fetches: the real `jpki-validator fetch --once` binary
 * (embedded store in the data directory, read by a validator in another process's role), the BullMQ worker's CA job (Redis), and
 * the in-process scheduler `start` runs (embedded). Each: a new revocation in p0001, p0000's genuine current CRL served at p0001's
 * URL → refused as scope_mismatch, counted, logged; every answer still the previous generation's; then the genuine CRL loads.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Job } from 'bullmq';
import {
  createFetcherMetrics,
  resolveTargets,
  startFetcher,
  startFetchWorker,
  type FetchJobData,
  type FetchJobResult,
  type PartitionReport,
} from '@jpki-validator/crl-fetcher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefixes, memoryLogger, waitFor } from '../../services/crl-fetcher/test/queue-helpers.js';
import { ensureBuilt } from '../../apps/cli/test/run-cli.js';
import { download } from './crl-scope-helpers.js';
import { recordResult } from './lib/record-result.ts';
import { PARTITIONED, REDIS_URL, goodSerialIn, openScopeWorld, verdictOf, wrongGoods, type ScopeWorld } from './crl-scope-world.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repo, 'apps/cli/bin/jpki-validator.js');

/** arms the attack (after a new revocation in p0001) and returns the answers the previous generation gives */
async function armWrongPartition(world: ScopeWorld) {
  const reference = await world.answers();
  const victim = goodSerialIn(world, PARTITIONED, 'p0001');
  await world.sim.revoke({ ca: PARTITIONED, serial: victim, reason: 'affiliationChanged' });
  const p0 = await download(world.sim.crlUrl(PARTITIONED, 'p0000'));
  world.attacker.override(world.path(PARTITIONED, 'p0001'), p0);
  return { reference, victim };
}

/** per fetch path: whether the refusal held and the wrong-good answers seen (recorded for docs/adversarial.md) */
const paths: { path: string; refused: boolean; wrongGood: number }[] = [];

async function expectPreviousGeneration(world: ScopeWorld, reference: Awaited<ReturnType<ScopeWorld['answers']>>): Promise<number> {
  const during = await world.answers();
  const wrong = wrongGoods(during, new Map([...reference].map(([k, a]) => [k, a.status])));
  expect([...during].filter(([k, a]) => verdictOf(a) !== verdictOf(reference.get(k)))).toEqual([]);
  expect(wrong).toEqual([]);
  return wrong.length;
}

async function expectTruth(world: ScopeWorld, victim: number): Promise<number> {
  const after = await world.answers();
  const wrong = wrongGoods(after, world.truth());
  expect(wrong).toEqual([]);
  expect(after.get(`${PARTITIONED}/${victim.toString(16).toUpperCase()}`)).toMatchObject({ status: 'revoked' });
  return wrong.length;
}

afterAll(() => {
  recordResult({
    file: import.meta.url,
    covers: `the wrong-partition CRL through ${paths.map((p) => p.path).join(', ')}`,
    tried: paths.length,
    handled: paths.filter((p) => p.refused && p.wrongGood === 0).length,
    wrongGood: paths.reduce((n, p) => n + p.wrongGood, 0),
    unit: 'fetch paths, answers over every serial',
  });
});

describe('jpki-validator fetch --once (the binary), embedded store', () => {
  let world: ScopeWorld;
  beforeAll(async () => {
    await ensureBuilt();
    world = await openScopeWorld('embedded', { seed: 21 });
  }, 180_000);
  afterAll(async () => world?.close());

  const fetchOnceCli = async () => {
    const { REDIS_URL: _none, ...env } = process.env;
    const result = await promisify(execFile)(process.execPath, [bin, 'fetch', '--once', '--config', world.configFile], { env }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    const reports = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as PartitionReport);
    await world.settle(reports);
    return { code: result.code, stderr: result.stderr, reports };
  };

  it('refuses the wrong partition (exit 3, logged on stderr), keeps the previous generation, then loads the genuine CRL', async () => {
    expect((await fetchOnceCli()).code).toBe(0);
    const { reference, victim } = await armWrongPartition(world);
    const attacked = await fetchOnceCli();
    expect(attacked.code).toBe(3);
    expect(attacked.reports.find((r) => r.partition === 'p0001')).toMatchObject({ outcome: 'rejected', reason: 'scope_mismatch' });
    expect(attacked.stderr).toMatch(/"reason":"scope_mismatch".*CRL rejected; the previous generation keeps serving/);
    const refused = attacked.reports.some((r) => r.partition === 'p0001' && r.reason === 'scope_mismatch');
    const entry = { path: 'fetch --once (binary, embedded)', refused, wrongGood: 0 };
    paths.push(entry);
    entry.wrongGood += await expectPreviousGeneration(world, reference);
    world.attacker.clear();
    expect((await fetchOnceCli()).code).toBe(0);
    entry.wrongGood += await expectTruth(world, victim);
  });
});

describe('the BullMQ worker (a CA job), Redis', () => {
  let world: ScopeWorld;
  const bullPrefix = `jvbull-adv-${randomBytes(5).toString('hex')}`;
  beforeAll(async () => {
    world = await openScopeWorld('redis', { seed: 22 });
  });
  afterAll(async () => {
    await world?.close();
    await deletePrefixes(bullPrefix);
  });

  it('the CA job reports the refusal, counts it in jpki_validator_crl_fetch_rejects_total, and the previous generation keeps serving', async () => {
    const { targets } = await resolveTargets(world.config);
    const metrics = createFetcherMetrics({
      store: world.store,
      scopes: targets.map((t) => ({ caId: t.ca.id, partition: t.partition.name })),
    });
    const log = memoryLogger();
    const worker = await startFetchWorker({
      redisUrl: REDIS_URL,
      store: world.store,
      targets,
      metrics,
      logger: log.logger,
      bullPrefix,
      keyPrefix: world.prefix,
      schedule: false,
      backoffMs: 50,
    });
    try {
      const run = async () => {
        const job = await worker.runNow(PARTITIONED, null);
        const done = await waitFor('the CA job', async () => {
          const fresh: Job<FetchJobData, FetchJobResult> | undefined = await worker.queue.getJob(job.id ?? '');
          return fresh?.finishedOn ? fresh : undefined;
        });
        await world.settle([]);
        return done;
      };
      expect((await run()).returnvalue).toMatchObject({ outcome: 'refreshed', counts: { loaded: 2 } });
      const { reference, victim } = await armWrongPartition(world);
      const attacked = await run();
      expect(attacked.returnvalue).toMatchObject({
        outcome: 'refreshed',
        failing: [{ partition: 'p0001', outcome: 'rejected', reason: 'scope_mismatch' }],
      });
      expect(await metrics.registry.getSingleMetricAsString('jpki_validator_crl_fetch_rejects_total')).toContain(
        `jpki_validator_crl_fetch_rejects_total{ca="${PARTITIONED}",partition="p0001",reason="scope_mismatch"} 1`,
      );
      expect(
        log.lines().some((l) => l.msg === 'CRL rejected; the previous generation keeps serving' && l.reason === 'scope_mismatch'),
      ).toBe(true);
      const entry = { path: 'the BullMQ CA job (Redis)', refused: true, wrongGood: 0 };
      paths.push(entry);
      entry.wrongGood += await expectPreviousGeneration(world, reference);
      world.attacker.clear();
      expect((await run()).returnvalue).toMatchObject({ counts: { loaded: 1 } });
      await world.settle([]);
      entry.wrongGood += await expectTruth(world, victim);
    } finally {
      await worker.close();
    }
  });
});

describe('the in-process scheduler (`start` without Redis), embedded store', () => {
  let world: ScopeWorld;
  beforeAll(async () => {
    world = await openScopeWorld('embedded', { seed: 23 });
  });
  afterAll(async () => world?.close());

  it('a scheduled refresh refuses the wrong partition and keeps the previous generation', async () => {
    const log = memoryLogger();
    const fetcher = await startFetcher({ config: world.config, store: world.store, logger: log.logger, adminPort: null });
    try {
      const scheduler = fetcher.scheduler;
      if (scheduler === null) throw new Error('expected the in-process scheduler');
      const first = (await scheduler.refreshNow(PARTITIONED)) ?? [];
      await world.settle(first);
      const { reference, victim } = await armWrongPartition(world);
      const attacked = (await scheduler.refreshNow(PARTITIONED)) ?? [];
      expect(attacked.find((r) => r.partition === 'p0001')).toMatchObject({ outcome: 'rejected', reason: 'scope_mismatch' });
      await world.settle(attacked);
      const entry = {
        path: 'the in-process scheduler (embedded)',
        refused: attacked.some((r) => r.partition === 'p0001' && r.reason === 'scope_mismatch'),
        wrongGood: 0,
      };
      paths.push(entry);
      entry.wrongGood += await expectPreviousGeneration(world, reference);
      expect(
        log.lines().some((l) => l.msg === 'CA refresh done' && Array.isArray(l.failing) && String(l.failing[0]).includes('scope_mismatch')),
      ).toBe(true);
      world.attacker.clear();
      await world.settle((await scheduler.refreshNow(PARTITIONED)) ?? []);
      entry.wrongGood += await expectTruth(world, victim);
    } finally {
      await fetcher.close();
    }
  });
});
