import { describe, expect, it } from 'vitest';
import { MunicipalDirectory, municipalWeights, NATIONAL_MUNICIPALITIES, PREFECTURES } from './municipalities.js';
import { uniformPartitionMap, WeightedPartitionMap } from './partition-map.js';
import { RevocationModel } from './population.js';

const model = (caId = 'jpki-sign-2023', seed = 1) => new RevocationModel(caId, Date.UTC(2026, 0, 1), { seed });

describe('municipal partitions', () => {
  it('lay 1,741 partitions over the 47 prefectures exactly, and any other count in proportion', () => {
    expect(PREFECTURES).toHaveLength(47);
    expect(NATIONAL_MUNICIPALITIES).toBe(1741);
    const national = new MunicipalDirectory(1741);
    const tokyo = Array.from({ length: 1741 }, (_, i) => national.municipality(i)).filter((m) => m.prefecture === 'Tokyo-to');
    expect(tokyo).toHaveLength(62);
    expect(tokyo[0]?.name).toBe('Municipality 13001');
    expect(national.municipality(0)).toMatchObject({ prefectureCode: 1, prefecture: 'Hokkaido', localNumber: 1 });
    expect(national.municipality(1740)).toMatchObject({ prefectureCode: 47, prefecture: 'Okinawa-ken', localNumber: 41 });

    const small = new MunicipalDirectory(100);
    const prefectures = new Set(Array.from({ length: 100 }, (_, i) => small.municipality(i).prefecture));
    expect(prefectures.size).toBeGreaterThan(40);
    expect(small.municipality(99).prefectureCode).toBeGreaterThan(40);
  });

  it('weights follow Zipf–Mandelbrot with the largest exactly `skew` × the smallest, the same for every CA of a seed', () => {
    const w = municipalWeights(1741, 100, 1);
    expect(Math.max(...w) / Math.min(...w)).toBeCloseTo(100, 6);
    expect([...municipalWeights(1741, 100, 1)]).toEqual([...w]);
    expect([...municipalWeights(1741, 100, 2)]).not.toEqual([...w]);
    const sorted = [...w].sort((a, b) => b - a);
    // rank-size: w(r) ∝ 1 / (r + q), so 1 / w is linear in the rank
    const q = (1741 - 100) / 99;
    expect(1 / (sorted[9] as number) - 1 / (sorted[0] as number)).toBeCloseTo(9, 6);
    expect((sorted[0] as number) * (1 + q)).toBeCloseTo(1, 6);
    expect([...municipalWeights(8, 1, 1)]).toEqual(new Array(8).fill(1));
  });

  it('route serials in proportion to the weights (alias method), deterministically per CA', () => {
    const weights = municipalWeights(1741, 100, 1);
    const map = new WeightedPartitionMap(model(), weights);
    const shares = map.expectedShares();
    const total = weights.reduce((a, b) => a + b, 0);
    shares.forEach((s, i) => {
      expect(s).toBeCloseTo((weights[i] as number) / total, 12);
    });

    const draws = 2_000_000;
    const counts = new Float64Array(1741);
    for (let serial = 0x0700_0000; serial < 0x0700_0000 + draws; serial++) {
      const p = map.indexOf(serial);
      counts[p] = (counts[p] as number) + 1;
    }
    let worstZ = 0;
    counts.forEach((c, i) => {
      const expected = draws * (shares[i] as number);
      worstZ = Math.max(worstZ, Math.abs(c - expected) / Math.sqrt(expected));
    });
    // 1,741 binomial counts: a |z| beyond 5.5 would be a one-in-ten-million event for a correct sampler
    expect(worstZ).toBeLessThan(5.5);
    const largest = Math.max(...counts);
    const smallest = Math.min(...counts);
    expect(largest / smallest).toBeGreaterThan(70);
    expect(largest / smallest).toBeLessThan(140);

    expect(new WeightedPartitionMap(model(), weights).indexOf(0x0712_3456)).toBe(map.indexOf(0x0712_3456));
    const other = new WeightedPartitionMap(model('jpki-sign-2015'), weights);
    let same = 0;
    for (let serial = 0; serial < 10_000; serial++) if (other.indexOf(serial) === map.indexOf(serial)) same++;
    expect(same).toBeLessThan(100);
  });

  it('keep the standard layout’s equal shares exactly as before (hash modulo count)', () => {
    const m = model();
    const map = uniformPartitionMap(m, 8);
    for (let serial = 0x0700_0000; serial < 0x0700_0000 + 1000; serial++) expect(map.indexOf(serial)).toBe(m.partitionOf(serial, 8));
    expect(m.partitionOf(0x0700_0001, 8)).toBe(m.partitionHash(0x0700_0001) % 8);
  });
});
