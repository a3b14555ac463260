import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importWatchList, runWatchPass, type WatchEntryInput, type WatchEvent, type WatchRepository } from '../src/index.js';
import { BACKENDS, loadGeneration, meaning, type Backend } from './helpers.js';

const CA = 'ca-a';
const LONG = 2n ** 40n + 1n;
const NOW = Date.UTC(2026, 5, 1);
const PAST = Date.UTC(2026, 0, 1);
const FUTURE = Date.UTC(2030, 0, 1);

const row = (customerId: string, serial: bigint | number, notAfterMs: number | null = FUTURE): WatchEntryInput => ({
  customerId,
  issuer: 'jpki-sign',
  caIds: [CA],
  serial: BigInt(serial),
  notAfterMs,
});

/** gen 1 lists 100 (affiliationChanged), 5000 (superseded), 9000 (keyCompromise), 400 (unspecified) and a long serial (hold) */
const GEN1: [number, number][] = [
  [100, 3],
  [5000, 4],
  [9000, 1],
  [12_345, 3],
];

const WATCH_LIST = [
  row('C1', 100),
  row('C2', 5000),
  row('C3', 200),
  row('C4', 7000),
  row('C5', 9000),
  row('C6', LONG),
  row('C7', 8000, PAST),
  row('C8', 400),
];

/** the facts that identify an event, for exact comparisons */
const facts = (events: readonly WatchEvent[]): string[] =>
  events.map((e) => `${e.type} ${e.customerId} ${e.serial} ${e.reason ?? '-'} ${e.meaning}`).sort();

describe.each(Object.keys(BACKENDS))('watch pass on the %s backend', (kind) => {
  let backend: Backend;
  let repo: WatchRepository;
  const pass = (r: WatchRepository = repo, nowMs = NOW) =>
    runWatchPass({ repo: r, snapshot: (caId) => backend.snapshot(caId), meaning, nowMs });

  beforeEach(async () => {
    backend = await (BACKENDS[kind] as () => Promise<Backend>)();
    repo = await backend.openRepo();
  });
  afterEach(async () => {
    await backend.close();
  });

  async function loadGen1(): Promise<void> {
    await loadGeneration(backend.store, CA, 1n, GEN1);
    // a serial outside the bitmap range goes through addLong
    const loader = await backend.store.beginLoad({ caId: CA, partition: 'long', source: 'test' });
    loader.addLong(LONG, 6, Date.UTC(2026, 0, 1), Number.NaN);
    await loader.commit({ crlNumber: 1n, thisUpdateMs: Date.UTC(2026, 0, 2), nextUpdateMs: Date.UTC(2026, 0, 3), isDelta: false });
  }

  it('reports every watched serial already listed at import, expiries once, and nothing on the next pass or after a restart', async () => {
    await loadGen1();
    expect(await importWatchList(repo, WATCH_LIST)).toMatchObject({ added: 8, updated: 0, unchanged: 0, total: 8 });
    const first = await pass();
    expect(facts(first.events)).toEqual([
      'expired C7 1F40 - expired',
      'revoked C1 64 affiliationChanged death_or_emigration',
      'revoked C2 1388 superseded basic_info_changed',
      'revoked C5 2328 keyCompromise key_compromise',
      `revoked C6 ${LONG.toString(16).toUpperCase()} certificateHold suspended_card_lost`,
    ]);
    const c1 = first.events.find((e) => e.customerId === 'C1');
    expect(c1).toMatchObject({
      caId: CA,
      issuer: 'jpki-sign',
      crlNumber: '1',
      revokedAt: '2026-01-01T23:00:00Z',
      detectedAt: '2026-06-01T00:00:00Z',
    });
    expect(c1?.eventId).toMatch(/^[0-9a-f]{32}$/);
    expect(first.events.find((e) => e.type === 'expired')).toMatchObject({ notAfter: '2026-01-01T00:00:00Z', caId: CA, revokedAt: null });

    expect((await pass()).events).toEqual([]);
    // a re-import of the same rows changes nothing and reports nothing
    expect(await importWatchList(repo, WATCH_LIST)).toMatchObject({ added: 0, updated: 0, unchanged: 8, stored: 'nothing' });
    expect((await pass()).events).toEqual([]);
    // a restart: a new repository over the same state
    const again = await backend.openRepo();
    expect((await pass(again)).events).toEqual([]);
    const logged: WatchEvent[] = [];
    for await (const e of again.events()) logged.push(e);
    expect(facts(logged)).toEqual(facts(first.events));
    const deaths: WatchEvent[] = [];
    for await (const e of again.events({ meaning: 'death_or_emigration' })) deaths.push(e);
    expect(deaths.map((e) => e.customerId)).toEqual(['C1']);
  });

  it('a new generation yields exactly the new revocations; a third pass none', async () => {
    await loadGen1();
    await importWatchList(repo, WATCH_LIST, {});
    await pass();
    // gen 2: C3 dies, C4's card is suspended, an unwatched serial is superseded, C8's certificate is superseded
    await loadGeneration(backend.store, CA, 2n, [...GEN1, [200, 3], [7000, 6], [7500, 4], [400, 4]]);
    const second = await pass();
    expect(facts(second.events)).toEqual([
      'revoked C3 C8 affiliationChanged death_or_emigration',
      'revoked C4 1B58 certificateHold suspended_card_lost',
      'revoked C8 190 superseded basic_info_changed',
    ]);
    expect(second.events.every((e) => e.crlNumber === '2')).toBe(true);
    expect((await pass()).events).toEqual([]);
    // gen 3: the hold becomes affiliationChanged: a new reason is a new event
    await loadGeneration(backend.store, CA, 3n, [...GEN1, [200, 3], [7000, 3], [7500, 4], [400, 4]]);
    expect(facts((await pass()).events)).toEqual(['revoked C4 1B58 affiliationChanged death_or_emigration']);
  });

  it('rotate: the old serial stops being reported for the customer, the new one is; history links them', async () => {
    await loadGen1();
    await importWatchList(repo, WATCH_LIST, {});
    await pass();
    // C8's certificate (400) was reissued as 401
    const rotated = await repo.rotate({ customerId: 'C8', serial: 0x401n });
    expect(rotated.current).toMatchObject({ customerId: 'C8', serial: 0x401n, issuer: 'jpki-sign', notAfterMs: null });
    expect(rotated.previous).toMatchObject({ serial: 0x190n, caIds: [CA], notAfterMs: FUTURE });
    await loadGeneration(backend.store, CA, 2n, [...GEN1, [400, 3], [0x401, 4]]);
    expect(facts((await pass()).events)).toEqual(['revoked C8 401 superseded basic_info_changed']);
    await expect(repo.rotate({ customerId: 'nobody', serial: 1n })).rejects.toMatchObject({ code: 'WATCH_CUSTOMER_UNKNOWN' });
  });

  it('a customer who starts watching an already reported serial gets their own event; the earlier watcher no second one', async () => {
    await loadGen1();
    await importWatchList(repo, WATCH_LIST, {});
    await pass();
    await importWatchList(repo, [row('C9', 100)], {});
    expect(facts((await pass()).events)).toEqual(['revoked C9 64 affiliationChanged death_or_emigration']);
    expect((await pass()).events).toEqual([]);
  });

  it('an expiry learnt later (notAfter updated into the past) is reported once', async () => {
    await loadGen1();
    await importWatchList(repo, WATCH_LIST, {});
    await pass();
    await importWatchList(repo, [row('C3', 200, PAST)], {});
    expect(facts((await pass()).events)).toEqual(['expired C3 C8 - expired']);
    expect((await pass()).events).toEqual([]);
  });
});
