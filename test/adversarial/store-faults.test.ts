/**
 * The store fault matrix (issue 10, adversarial suite part 3; issue 14's faults on one machine): Redis killed, frozen (SIGSTOP,
 * then SIGCONT) and emptied (FLUSHALL) during a CRL load and during queries, a fetcher process SIGKILLed mid-load, two fetchers
 * racing on one partition. Throughout, every serial of the CA is asked of the running validator (one batch over HTTP, again and
 * again) and each answer compared with the simulator's truth: the figure that matters is wrong-good = 0; `unknown` while a fault
 * lasts is allowed and counted. After each fault the load is done again and must land, with nothing half-visible and no key
 * left behind without a TTL. Bounded: a few seconds a scenario.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../../apps/cli/test/run-cli.js';
import { recordResult } from './lib/record-result.js';
import { CA, type FaultWorld, newTally, openFaultWorld, type Tally } from './lib/store-fault-world.js';

let world: FaultWorld;

beforeAll(async () => {
  await ensureBuilt();
  world = await openFaultWorld();
  const first = await world.fetchOnce();
  expect(first.reports.map((r) => r.outcome)).toEqual(['loaded', 'loaded']);
  await world.settle();
}, 300_000);

afterAll(async () => {
  await world?.close();
});

/** asks every serial `rounds` times, `gapMs` apart, while whatever else runs */
async function query(tally: Tally, rounds: number, gapMs = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await world.check(tally);
    await new Promise((r) => setTimeout(r, gapMs));
  }
}

/** loads again until every partition is current (a fault may have left a retryable failure), then settles the truth */
async function recover(tally: Tally): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const result = await world.fetchOnce();
    if (result.reports.every((r) => ['loaded', 'unchanged', 'not-modified'].includes(r.outcome))) break;
    if (attempt > 20) throw new Error(`no recovery: ${JSON.stringify(result.reports)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    await world.settle();
  } finally {
    // a validator that did not catch up answers from the copy it held: counted against the new truth
    await world.check(tally);
  }
  expect(await world.orphans()).toEqual([]);
}

/** runs a scenario and records its figures whatever happens, then asserts on them */
async function scenario(covers: string, body: (tally: Tally) => Promise<void>): Promise<void> {
  const tally = newTally();
  try {
    await body(tally);
  } finally {
    recordResult({
      file: import.meta.url,
      covers,
      tried: tally.answers,
      handled: tally.answers - tally.wrongGood,
      wrongGood: tally.wrongGood,
      unit: `answers compared with the simulator (${tally.unknown} unknown)`,
    });
  }
  expect(tally.examples).toEqual([]);
  expect(tally.wrongGood).toBe(0);
}

describe('store fault matrix (private redis-server)', () => {
  it('Redis killed during a CRL load, then back empty (no persistence): the load fails typed, answers come from memory, the reload lands', async () => {
    await scenario('Redis killed during a CRL load (restarted empty)', async (tally) => {
      await world.revokeSome(5);
      world.gate.hold();
      const held = world.gate.held();
      const load = world.fetchOnce();
      await held;
      await world.redis.kill();
      world.gate.release();
      const [result] = await Promise.all([load, query(tally, 5)]);
      expect(result.reports.some((r) => r.outcome === 'failed' && r.retryable === true)).toBe(true);
      await world.redis.restart();
      await query(tally, 3);
      await recover(tally);
    });
  });

  it('Redis frozen (SIGSTOP) during a CRL load, then SIGCONT: the load fails by timeout, answers come from memory, the reload lands', async () => {
    await scenario('Redis frozen (SIGSTOP) during a CRL load', async (tally) => {
      await world.revokeSome(5);
      world.gate.hold();
      const held = world.gate.held();
      const load = world.fetchOnce();
      await held;
      world.redis.freeze();
      world.gate.release();
      const [result] = await Promise.all([load, query(tally, 5)]);
      expect(result.reports.some((r) => r.outcome === 'failed')).toBe(true);
      world.redis.thaw();
      await recover(tally);
    });
  });

  it('Redis emptied (FLUSHALL) during a CRL load: the validator keeps its copy, then takes the new epoch; no rollback', async () => {
    await scenario('Redis emptied (FLUSHALL) during a CRL load', async (tally) => {
      await world.revokeSome(5);
      world.gate.hold();
      const held = world.gate.held();
      const load = world.fetchOnce();
      await held;
      const admin = new Redis(world.redis.url);
      await admin.flushall();
      await admin.quit();
      world.gate.release();
      await Promise.all([load, query(tally, 5)]);
      await recover(tally);
    });
  });

  it('Redis killed, frozen and emptied during queries: every answer from memory stays right', async () => {
    await scenario('Redis killed / frozen / emptied during queries', async (tally) => {
      await world.revokeSome(3);
      await recover(tally);
      await world.redis.kill();
      await query(tally, 4);
      await world.redis.restart();
      await query(tally, 4);
      await recover(tally);
      world.redis.freeze();
      await query(tally, 4);
      world.redis.thaw();
      const admin = new Redis(world.redis.url);
      await admin.flushall();
      await admin.quit();
      await query(tally, 4);
      await recover(tally);
    });
  });

  it('a `fetch --once` process SIGKILLed at random points of its load: nothing half-visible, no key left without a TTL', async () => {
    await scenario('fetch --once SIGKILLed at random points of a load', async (tally) => {
      let seed = 99;
      const rnd = (): number => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      for (let round = 0; round < 4; round++) {
        await world.revokeSome(2);
        const child = spawn(process.execPath, [BIN, 'fetch', '--once', '--config', world.configFile], {
          env: { ...process.env, REDIS_URL: world.redis.url, LOG_LEVEL: 'silent' },
          stdio: 'ignore',
        });
        const exited = new Promise((resolve) => child.once('exit', resolve));
        await Promise.all([new Promise((r) => setTimeout(r, 200 + rnd() * 1_200)), query(tally, 2, 50)]);
        child.kill('SIGKILL');
        await exited;
        await query(tally, 2);
        expect(await world.orphans()).toEqual([]);
        await recover(tally);
      }
    });
  });

  it('two fetchers racing on the same CRLs: each partition switches once, the other finds it done', async () => {
    await scenario('two fetchers racing on the same partitions', async (tally) => {
      await world.revokeSome(4);
      const probe = new Redis(world.redis.url);
      const genBefore = Number(await probe.hget(`jpki:{${CA}}:cur`, 'gen'));
      world.gate.hold();
      const bothHeld = Promise.all([world.gate.held(), world.gate.held()]);
      const first = world.fetchOnce();
      const second = world.fetchOnce({ dataDir: join(world.dir, 'second-fetcher') });
      await bothHeld;
      world.gate.release();
      const [a, b] = await Promise.all([first, second, query(tally, 3)]);
      const outcomes = [...a.reports, ...b.reports].map((r) => `${r.partition}:${r.outcome}`).sort();
      expect(outcomes).toEqual(world.sim.partitionNames(CA).flatMap((p) => [`${p}:loaded`, `${p}:unchanged`]));
      expect(Number(await probe.hget(`jpki:{${CA}}:cur`, 'gen')) - genBefore).toBe(world.sim.partitionNames(CA).length);
      await probe.quit();
      await recover(tally);
    });
  });
});
