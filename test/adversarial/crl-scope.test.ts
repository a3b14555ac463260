/**
 * Semantic CRL cases (issue 10): each CRL below is signed by the CA itself, current, well-formed — only its meaning is wrong for
 * the slot it is served at. Each goes through the real fetcher (`fetchOnce`, what `fetch --once` runs) on the embedded store and on
 * Redis, then the real validator is asked about every serial:
 * - while the attack is served: the CRL is refused with its reason, and every answer is the one the previous good generation gave;
 * - once the attacker is gone: the genuine CRL loads, and every answer matches the simulator's truth.
 * The figure that matters is wrong-good — a `good` the reference does not give — and it must be 0 in every case.
 */
import type { StatusAnswer } from '@jpki-validator/status';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, idpExtension, resignCrl, simCaKey } from './crl-scope-helpers.js';
import { recordResult } from './lib/record-result.ts';
import {
  FULL,
  PARTITIONED,
  goodSerialIn,
  key,
  openScopeWorld,
  verdictOf,
  wrongGoods,
  type ScopeWorld,
  type StoreKind,
} from './crl-scope-world.js';

const KEY_COMPROMISE_ONLY = Uint8Array.of(0x06, 0x40);

interface Attack {
  /** the CA and slot whose URL the attacker serves, and the reason the fetcher must refuse it with */
  caId: string;
  partition: string | null;
  reason: string;
  /** the bytes served there, built after a new revocation was made in the attacked scope */
  forge(world: ScopeWorld, ctx: { loadedNumber: bigint; honest: Uint8Array; before: Uint8Array }): Promise<Uint8Array>;
}

const url = (w: ScopeWorld, caId: string, partition: string | null) => w.sim.crlUrl(caId, partition);
const key2023 = (w: ScopeWorld) => simCaKey(w.sim.dir, PARTITIONED);
const key2015 = (w: ScopeWorld) => simCaKey(w.sim.dir, FULL);

const CASES: Record<string, Attack> = {
  "wrong partition: p0000's genuine current CRL at p0001's URL": {
    caId: PARTITIONED,
    partition: 'p0001',
    reason: 'scope_mismatch',
    forge: (w) => download(url(w, PARTITIONED, 'p0000')),
  },
  'full-CRL slot fed a partition CRL (the CA its own p0000)': {
    caId: FULL,
    partition: null,
    reason: 'scope_mismatch',
    forge: (w) => download(url(w, FULL, 'p0000')),
  },
  'partition CRL without distribution point (a full CRL) at a partition URL': {
    caId: PARTITIONED,
    partition: 'p0001',
    reason: 'scope_mismatch',
    forge: (w) => download(url(w, PARTITIONED, null)),
  },
  'scope flag onlySomeReasons (keyCompromise only), higher number, the old entries': {
    caId: PARTITIONED,
    partition: 'p0001',
    reason: 'scope_incomplete',
    forge: async (w, { loadedNumber, before }) =>
      resignCrl(before, key2023(w), {
        crlNumber: loadedNumber + 1000n,
        idp: idpExtension({ uris: [url(w, PARTITIONED, 'p0001')], onlyContainsUserCerts: true, onlySomeReasons: KEY_COMPROMISE_ONLY }),
      }),
  },
  'scope flag onlyContainsCACerts, no entries': {
    caId: PARTITIONED,
    partition: 'p0001',
    reason: 'scope_incomplete',
    forge: async (w, { loadedNumber, before }) =>
      resignCrl(before, key2023(w), {
        crlNumber: loadedNumber + 1000n,
        keepEntry: () => false,
        idp: idpExtension({ uris: [url(w, PARTITIONED, 'p0001')], onlyContainsCACerts: true }),
      }),
  },
  'scope flag onlyContainsAttributeCerts on the full-CRL slot': {
    caId: FULL,
    partition: null,
    reason: 'scope_incomplete',
    forge: async (w, { loadedNumber, before }) =>
      resignCrl(before, key2015(w), {
        crlNumber: loadedNumber + 1000n,
        keepEntry: () => false,
        idp: idpExtension({ onlyContainsAttributeCerts: true }),
      }),
  },
  'rollback: an older genuine CRL of the same slot': {
    caId: PARTITIONED,
    partition: 'p0000',
    reason: 'rollback',
    forge: async (w, { loadedNumber, before }) => resignCrl(before, key2023(w), { crlNumber: loadedNumber - 1n }),
  },
  'same number, other bytes (an entry dropped)': {
    caId: PARTITIONED,
    partition: 'p0000',
    reason: 'crl_number_reused',
    forge: async (w, { loadedNumber, before }) => {
      let dropped = false;
      return resignCrl(before, key2023(w), {
        crlNumber: loadedNumber,
        keepEntry: () => {
          if (dropped) return true;
          dropped = true;
          return false;
        },
      });
    },
  },
  'delta CRL whose base is ahead of the loaded full CRL': {
    caId: PARTITIONED,
    partition: 'p0000',
    reason: 'delta_base',
    forge: async (w, { loadedNumber, before }) =>
      resignCrl(before, key2023(w), { crlNumber: loadedNumber + 1001n, deltaOf: loadedNumber + 1000n, keepEntry: () => false }),
  },
  'thisUpdate a day in the future': {
    caId: PARTITIONED,
    partition: 'p0001',
    reason: 'future_this_update',
    forge: async (w, { loadedNumber, honest }) =>
      resignCrl(honest, key2023(w), {
        crlNumber: loadedNumber + 1000n,
        thisUpdate: new Date(Date.now() + 86_400_000),
        nextUpdate: new Date(Date.now() + 3 * 86_400_000),
        keepEntry: () => false,
      }),
  },
};

/** per store kind, every case's counts: the suite's table in docs/adversarial.md is this */
const tally: { kind: StoreKind; name: string; refused: boolean; wrongGoodUnderAttack: number; wrongGoodAfter: number }[] = [];

describe.each(['embedded', 'redis'] as const)('semantic CRL cases through the real fetcher on %s', (kind) => {
  let world: ScopeWorld;

  beforeAll(async () => {
    world = await openScopeWorld(kind);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('first load with a wrong-partition CRL in one slot: refused; that partition stays unloaded, so nothing is good from it', async () => {
    world.attacker.override(world.path(PARTITIONED, 'p0001'), () => download(url(world, PARTITIONED, 'p0000')));
    const first = await world.fetch();
    const p1 = first.reports.find((r) => r.caId === PARTITIONED && r.partition === 'p0001');
    expect(p1).toMatchObject({ outcome: 'rejected', reason: 'scope_mismatch' });
    expect(p1?.error).toMatch(/p0000\.crl.*not this slot's.*p0001\.crl/);
    const answers = await world.answers();
    const truth = world.truth();
    // a serial the loaded p0000 CRL does not list is unknown (a partition is missing), never good; listed ones are revoked
    const partitioned = [...answers].filter(([k]) => k.startsWith(`${PARTITIONED}/`));
    expect(partitioned.filter(([, a]) => a.status === 'good')).toEqual([]);
    expect(partitioned.filter(([, a]) => a.status === 'unknown').every(([, a]) => a.detail === 'issuer_not_loaded')).toBe(true);
    const firstLoadWrong = wrongGoods(answers, new Map([...truth].map(([k, v]) => [k, v])));
    tally.push({
      kind,
      name: 'first load',
      refused: p1?.outcome === 'rejected' && p1.reason === 'scope_mismatch',
      wrongGoodUnderAttack: firstLoadWrong.length,
      wrongGoodAfter: 0,
    });
    expect(firstLoadWrong).toEqual([]);

    world.attacker.clear();
    const healed = await world.fetch();
    expect(healed.exitCode).toBe(0);
    const after = await world.answers();
    expect([...after].filter(([k, a]) => verdictOf(a).split('|')[0] !== truth.get(k))).toEqual([]);
  });

  for (const [name, attack] of Object.entries(CASES)) {
    it(name, async () => {
      const loaded = (await world.store.partitions(attack.caId)).find((m) => m.partition === (attack.partition ?? 'full'));
      if (!loaded) throw new Error('the slot should be loaded before the case');
      const before = await download(url(world, attack.caId, attack.partition));
      const reference = await world.answers();

      // a new revocation in the attacked scope: the genuine next CRL lists it, the attacker's must not hide it
      const victim = goodSerialIn(world, attack.caId, attack.partition);
      await world.sim.revoke({ ca: attack.caId, serial: victim, reason: 'affiliationChanged' });
      const honest = await download(url(world, attack.caId, attack.partition));
      const forged = await attack.forge(world, { loadedNumber: loaded.crlNumber, honest, before });
      world.attacker.override(world.path(attack.caId, attack.partition), forged);

      const attacked = await world.fetch();
      const report = attacked.reports.find((r) => r.caId === attack.caId && r.partition === (attack.partition ?? 'full'));
      expect(report, JSON.stringify(attacked.reports)).toMatchObject({ outcome: 'rejected', reason: attack.reason });
      const during = await world.answers();
      const changed = [...during].filter(([k, a]) => verdictOf(a) !== verdictOf(reference.get(k)));
      const wrongUnderAttack = wrongGoods(during, new Map([...reference].map(([k, a]) => [k, a.status])));
      expect(changed, 'every answer comes from the previous good generation').toEqual([]);
      expect(wrongUnderAttack).toEqual([]);

      world.attacker.clear();
      const healed = await world.fetch();
      expect(healed.exitCode, JSON.stringify(healed.reports)).toBe(0);
      const after = await world.answers();
      const truth = world.truth();
      const wrongAfter = wrongGoods(after, truth);
      tally.push({
        kind,
        name,
        refused: report?.outcome === 'rejected' && report.reason === attack.reason,
        wrongGoodUnderAttack: wrongUnderAttack.length,
        wrongGoodAfter: wrongAfter.length,
      });
      expect(after.get(key(attack.caId, victim.toString(16).toUpperCase()))).toMatchObject({
        status: 'revoked',
        reason: 'affiliationChanged',
      });
      expect(wrongAfter).toEqual([]);
      expect(
        [...after].filter(([k, a]) => a.status !== truth.get(k)).map(([k, a]: [string, StatusAnswer]) => `${k}: ${verdictOf(a)}`),
      ).toEqual([]);
    });
  }
});

describe('the tally', () => {
  it('every case on both stores was refused with 0 wrong-good', () => {
    for (const kind of ['embedded', 'redis'] as const) {
      const mine = tally.filter((t) => t.kind === kind);
      recordResult({
        file: import.meta.url,
        covers: `fetcher + validator (${kind}): CA-signed CRLs of the wrong scope or narrowed by IDP flags, rollback, same number other bytes, delta base ahead, future thisUpdate`,
        tried: mine.length,
        handled: mine.filter((t) => t.refused && t.wrongGoodUnderAttack + t.wrongGoodAfter === 0).length,
        wrongGood: mine.reduce((n, t) => n + t.wrongGoodUnderAttack + t.wrongGoodAfter, 0),
        unit: 'CA-signed CRLs served at a slot, answers over every serial',
      });
    }
    expect(tally).toHaveLength(2 * (Object.keys(CASES).length + 1));
    expect(tally.filter((t) => !t.refused || t.wrongGoodUnderAttack + t.wrongGoodAfter > 0)).toEqual([]);
  });
});
