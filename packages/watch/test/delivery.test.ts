/**
 * Exactly once across a crash at every step of a pass and its deliveries, on every backend. The crash is simulated in process:
 * the crash-point handler throws at the chosen point (the step after it never runs), the repository is dropped and a new one
 * opened on the same state (a restart), and the next passes must deliver what was owed — each event once in the file sink and
 * once in the published webhook batches, never zero times, never twice. The same points with real SIGKILLed processes:
 * test/adversarial/watch-exactly-once.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importWatchList, runWatchPass, WebhookOutbox, type WatchEntryInput, type WatchEvent, type WatchRepository } from '../src/index.js';
import { BACKENDS, loadGeneration, meaning, type Backend } from './helpers.js';

const CA = 'jpki-sign-2023';
const NOW = Date.UTC(2026, 5, 1);
const HANDLER = Symbol.for('jpki-validator.crash-point');

/** 60 customers; generation 1 lists 25 of their serials, 4 certificates have expired */
const ROWS: WatchEntryInput[] = Array.from({ length: 60 }, (_, i) => ({
  customerId: `C-${i}`,
  issuer: 'jpki-sign',
  group: 'jpki-sign',
  kind: 'sign',
  caIds: [CA],
  serial: BigInt(0x100 + i),
  notAfterMs: i % 15 === 7 ? Date.UTC(2026, 0, 1) : Date.UTC(2031, 0, 1),
}));
const LISTED: [number, number][] = Array.from({ length: 25 }, (_, k) => [0x100 + k * 2, [1, 3, 4, 6][k % 4] as number]);
const EXPECTED = 25 + 4;

class Crash extends Error {}

/**
 * Throws at the `nth` time `point` is reached — and at every point after it, as a dead process would do nothing more (a sink's
 * failure is caught so the other sinks still get theirs; the next point then stops the rest).
 */
function crashAt(point: string, nth: number): { fired: () => boolean } {
  let seen = 0;
  let fired = false;
  (globalThis as Record<symbol, unknown>)[HANDLER] = (name: string) => {
    if (!fired && (name !== point || ++seen < nth)) return;
    fired = true;
    throw new Crash(`crash at ${point} #${nth} (now at ${name})`);
  };
  return { fired: () => fired };
}

const POINTS: [string, number][] = [
  ['pass.appended', 1],
  ['pass.before-commit', 1],
  ['journal.before-commit', 1],
  ['pass.committed', 1],
  ['delivery.staged', 1],
  ['delivery.staged-recorded', 1],
  ['delivery.published', 1],
  ['delivery.done', 1],
  ['delivery.staged', 2],
  ['delivery.staged-recorded', 2],
  ['delivery.published', 2],
  ['delivery.done', 2],
  ['outbox.staged-one', 1],
  ['outbox.published-one', 1],
  ['checkpoint.written', 1],
  ['checkpoint.current', 1],
];

describe.each(Object.keys(BACKENDS))('exactly-once delivery after a crash, on the %s backend', (kind) => {
  let backend: Backend;
  let sinkDir: string;
  let outboxDir: string;

  beforeEach(async () => {
    backend = await (BACKENDS[kind] as () => Promise<Backend>)();
    const dir = mkdtempSync(join(tmpdir(), 'jv-delivery-'));
    sinkDir = join(dir, 'events');
    outboxDir = join(dir, 'outbox');
  });
  afterEach(async () => {
    delete (globalThis as Record<symbol, unknown>)[HANDLER];
    await backend.close();
  });

  const pass = (repo: WatchRepository) =>
    runWatchPass({
      repo,
      snapshot: (caId) => backend.snapshot(caId),
      meaning,
      sinks: [{ file: sinkDir }, { webhook: 'http://127.0.0.1:9/hook', secret: 'a-secret-of-16-chars' }],
      webhooks: new WebhookOutbox(outboxDir),
      nowMs: NOW,
    });

  /** every event id written to the file sink and to the published outbox batches */
  const delivered = () => ({
    file: readdirSync(sinkDir)
      .filter((n) => n.endsWith('.jsonl'))
      .flatMap((n) =>
        readFileSync(join(sinkDir, n), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as WatchEvent).eventId),
      ),
    webhook: readdirSync(outboxDir)
      .filter((n) => n.endsWith('.json'))
      .flatMap((n) => (JSON.parse(readFileSync(join(outboxDir, n), 'utf8')) as { events: WatchEvent[] }).events.map((e) => e.eventId)),
    leftovers: [...readdirSync(sinkDir), ...readdirSync(outboxDir)].filter((n) => n.endsWith('.staged')),
  });

  it.each(POINTS)('crash at %s (#%i): the next passes deliver every event once to each sink', async (point, nth) => {
    await loadGeneration(backend.store, CA, 1n, LISTED);
    const setup = await backend.openRepo({ checkpointLines: 10 });
    await importWatchList(setup, ROWS);
    // #2: the same step for the second sink (the webhook)
    const crash = crashAt(point, nth);
    await pass(setup).catch((e: unknown) => {
      if (!(e instanceof Crash)) throw e;
    });
    expect(crash.fired()).toBe(true);
    delete (globalThis as Record<symbol, unknown>)[HANDLER];

    // a restart: a new repository over the same state; two more passes
    const restarted = await backend.openRepo();
    await pass(restarted);
    const last = await pass(restarted);
    expect(last.eventCount).toBe(0);
    const expected = EXPECTED;
    const { file, webhook, leftovers } = delivered();
    expect(file).toHaveLength(expected);
    expect(new Set(file).size).toBe(expected);
    expect(webhook.sort()).toEqual([...file].sort());
    expect(leftovers).toEqual([]);
    // the log holds each event once, and the list owes nothing more
    const logged: string[] = [];
    for await (const e of restarted.events()) logged.push(e.eventId);
    expect(logged.sort()).toEqual([...file].sort());
    expect(await restarted.summary()).toMatchObject({ pendingDeliveries: 0 });
  });
});
