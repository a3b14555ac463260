import { describe, expect, it } from 'vitest';
import { reasonName } from '@jpki-validator/x509';
import { SimUsageError } from './errors.js';
import { DAY_MS, RevocationModel, emptyRevocation } from './population.js';

const EPOCH = Date.UTC(2026, 9, 1);
const BASE = 0x0700_0000;

function tally(model: RevocationModel, count: number, generation: number) {
  const out = emptyRevocation();
  const reasons: Record<string, number> = {};
  let revoked = 0;
  for (let s = BASE; s < BASE + count; s++) {
    model.decide(s, out);
    if (out.day > generation) continue;
    revoked++;
    const name = reasonName(out.reasonCode) ?? 'invalid';
    reasons[name] = (reasons[name] ?? 0) + 1;
  }
  return { revoked, reasons };
}

describe('RevocationModel', () => {
  it('gives the same decisions for the same seed and CA, different ones for another seed or CA', () => {
    const fingerprint = (seed: number, ca: string) => {
      const m = new RevocationModel(ca, EPOCH, { seed });
      const out = emptyRevocation();
      const parts: string[] = [];
      for (let s = BASE; s < BASE + 2000; s++) {
        m.decide(s, out);
        if (out.day === 0) parts.push(`${s}:${out.reasonCode}:${out.revokedAtSeconds}:${out.invalidityAtSeconds}`);
      }
      return parts.join(',');
    };
    expect(fingerprint(7, 'jpki-sign-2023')).toBe(fingerprint(7, 'jpki-sign-2023'));
    expect(fingerprint(8, 'jpki-sign-2023')).not.toBe(fingerprint(7, 'jpki-sign-2023'));
    expect(fingerprint(7, 'jpki-sign-2015')).not.toBe(fingerprint(7, 'jpki-sign-2023'));
  });

  it('revokes the configured rate with J-LIS-like reason proportions on 100 k serials', () => {
    const { revoked, reasons } = tally(new RevocationModel('jpki-sign-2023', EPOCH, { seed: 42, revokedRate: 1 }), 100_000, 0);
    expect(revoked).toBe(100_000);
    const share = (r: string) => (reasons[r] ?? 0) / revoked;
    expect(share('superseded')).toBeCloseTo(0.6, 1);
    expect(Math.abs(share('superseded') - 0.6)).toBeLessThan(0.01);
    expect(Math.abs(share('affiliationChanged') - 0.15)).toBeLessThan(0.01);
    expect(Math.abs(share('cessationOfOperation') - 0.15)).toBeLessThan(0.01);
    expect(Math.abs(share('certificateHold') - 0.1)).toBeLessThan(0.01);
    expect(Object.keys(reasons).sort()).toEqual(['affiliationChanged', 'certificateHold', 'cessationOfOperation', 'superseded']);

    const tenth = tally(new RevocationModel('jpki-sign-2023', EPOCH, { seed: 42 }), 100_000, 0).revoked;
    expect(Math.abs(tenth / 100_000 - 0.1)).toBeLessThan(0.005);
  });

  it('honours custom reason weights', () => {
    const { reasons } = tally(
      new RevocationModel('x', EPOCH, { seed: 1, revokedRate: 1, reasonWeights: { keyCompromise: 1, unspecified: 1 } }),
      20_000,
      0,
    );
    expect(Object.keys(reasons).sort()).toEqual(['keyCompromise', 'unspecified']);
    expect(Math.abs((reasons.keyCompromise ?? 0) / 20_000 - 0.5)).toBeLessThan(0.02);
  });

  it('only adds revocations as generations advance, dated inside their day', () => {
    const model = new RevocationModel('jpki-auth-2023', EPOCH, { seed: 3, revokedRate: 0.1, dailyRevokedRate: 0.01 });
    const out = emptyRevocation();
    const perDay = [0, 0, 0, 0];
    for (let s = BASE; s < BASE + 50_000; s++) {
      model.decide(s, out);
      if (out.day > 3) continue;
      perDay[out.day] = (perDay[out.day] ?? 0) + 1;
      const at = out.revokedAtSeconds * 1000;
      if (out.day === 0) {
        expect(at).toBeLessThan(EPOCH);
        expect(at).toBeGreaterThanOrEqual(EPOCH - 1825 * DAY_MS - 1000);
      } else {
        expect(at).toBeGreaterThanOrEqual(EPOCH + (out.day - 1) * DAY_MS);
        expect(at).toBeLessThan(EPOCH + out.day * DAY_MS);
      }
      if (out.invalidityAtSeconds >= 0) expect(out.invalidityAtSeconds).toBeLessThanOrEqual(out.revokedAtSeconds);
    }
    expect(Math.abs((perDay[0] ?? 0) / 50_000 - 0.1)).toBeLessThan(0.01);
    for (const d of [1, 2, 3]) expect(Math.abs((perDay[d] ?? 0) / 50_000 - 0.01)).toBeLessThan(0.003);
  });

  it('spreads serials over partitions deterministically', () => {
    const model = new RevocationModel('jpki-sign-2023', EPOCH, { seed: 9 });
    const counts = new Array<number>(8).fill(0);
    for (let s = BASE; s < BASE + 8000; s++) counts[model.partitionOf(s, 8)] = (counts[model.partitionOf(s, 8)] ?? 0) + 1;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect(model.partitionOf(BASE + 5, 8)).toBe(new RevocationModel('jpki-sign-2023', EPOCH, { seed: 9 }).partitionOf(BASE + 5, 8));
  });

  it('rejects rates outside [0, 1] and empty weights with SIM_BAD_OPTION', () => {
    expect(() => new RevocationModel('x', EPOCH, { seed: 1, revokedRate: 1.5 })).toThrow(SimUsageError);
    expect(() => new RevocationModel('x', EPOCH, { seed: 1, reasonWeights: {} })).toThrow(/reasonWeights/);
    expect(() => new RevocationModel('x', EPOCH, { seed: 1, reasonWeights: { removeFromCRL: 1 } })).toThrow(/not a revocation reason/);
  });
});
