import { SerialStream, mix32, saltOf } from './prng.js';

/**
 * Japan's 47 prefectures (romanised, in prefecture-code order 01 … 47) with their number of municipalities — cities, towns,
 * villages and Tokyo's 23 special wards — which sum to 1,741, the partition count of the national layout. Geography only: the
 * distribution-point names built from it are the simulator's own design (see `municipalDirName`), not J-LIS's.
 */
export const PREFECTURES: readonly (readonly [name: string, municipalities: number])[] = [
  ['Hokkaido', 179],
  ['Aomori-ken', 40],
  ['Iwate-ken', 33],
  ['Miyagi-ken', 35],
  ['Akita-ken', 25],
  ['Yamagata-ken', 35],
  ['Fukushima-ken', 59],
  ['Ibaraki-ken', 44],
  ['Tochigi-ken', 25],
  ['Gunma-ken', 35],
  ['Saitama-ken', 63],
  ['Chiba-ken', 54],
  ['Tokyo-to', 62],
  ['Kanagawa-ken', 33],
  ['Niigata-ken', 30],
  ['Toyama-ken', 15],
  ['Ishikawa-ken', 19],
  ['Fukui-ken', 17],
  ['Yamanashi-ken', 27],
  ['Nagano-ken', 77],
  ['Gifu-ken', 42],
  ['Shizuoka-ken', 35],
  ['Aichi-ken', 54],
  ['Mie-ken', 29],
  ['Shiga-ken', 19],
  ['Kyoto-fu', 26],
  ['Osaka-fu', 43],
  ['Hyogo-ken', 41],
  ['Nara-ken', 39],
  ['Wakayama-ken', 30],
  ['Tottori-ken', 19],
  ['Shimane-ken', 19],
  ['Okayama-ken', 27],
  ['Hiroshima-ken', 23],
  ['Yamaguchi-ken', 19],
  ['Tokushima-ken', 24],
  ['Kagawa-ken', 17],
  ['Ehime-ken', 20],
  ['Kochi-ken', 34],
  ['Fukuoka-ken', 60],
  ['Saga-ken', 20],
  ['Nagasaki-ken', 21],
  ['Kumamoto-ken', 45],
  ['Oita-ken', 18],
  ['Miyazaki-ken', 26],
  ['Kagoshima-ken', 43],
  ['Okinawa-ken', 41],
];

/** 1,741: the national layout's default partition count. */
export const NATIONAL_MUNICIPALITIES = PREFECTURES.reduce((n, [, count]) => n + count, 0);

/** Default ratio of the largest municipality's expected size to the smallest's ("a Tokyo ward holds ~100× a mountain village"). */
export const DEFAULT_PARTITION_SKEW = 100;

export interface Municipality {
  /** 1 … 47 */
  prefectureCode: number;
  prefecture: string;
  /** 1-based number of the municipality within its prefecture */
  localNumber: number;
  /** `Municipality 13004`: prefecture code and local number, a fictional name in the shape of a local-government code */
  name: string;
}

/**
 * Partitions 0 … count−1 laid out over the prefectures in code order. With 1,741 partitions each prefecture gets exactly its
 * municipalities; any other count is shared out in proportion (largest remainder), so a small test layout still spans Japan.
 */
export class MunicipalDirectory {
  private readonly prefectureOf: Uint8Array;
  private readonly localOf: Uint16Array;

  constructor(readonly count: number) {
    const quotas = PREFECTURES.map(([, n]) => (n * count) / NATIONAL_MUNICIPALITIES);
    const shares = quotas.map(Math.floor);
    const byRemainder = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (let k = 0, left = count - shares.reduce((a, b) => a + b, 0); k < left; k++) {
      const i = byRemainder[k % byRemainder.length]?.[1] ?? 0;
      shares[i] = (shares[i] ?? 0) + 1;
    }
    this.prefectureOf = new Uint8Array(count);
    this.localOf = new Uint16Array(count);
    let p = 0;
    shares.forEach((share, prefecture) => {
      for (let local = 1; local <= share; local++, p++) {
        this.prefectureOf[p] = prefecture;
        this.localOf[p] = local;
      }
    });
  }

  municipality(index: number): Municipality {
    const prefecture = this.prefectureOf[index] ?? 0;
    const code = prefecture + 1;
    const localNumber = this.localOf[index] ?? 0;
    return {
      prefectureCode: code,
      prefecture: PREFECTURES[prefecture]?.[0] ?? '',
      localNumber,
      name: `Municipality ${String(code).padStart(2, '0')}${String(localNumber).padStart(3, '0')}`,
    };
  }
}

/**
 * Expected relative size of each partition: a Zipf–Mandelbrot law over the municipalities' size ranks,
 * w(r) = 1 / (r + q), r = 1 … n. Exponent 1 is the rank-size rule that city populations follow; the offset q flattens the head so
 * that the largest is exactly `skew` × the smallest: (n + q) / (1 + q) = skew. Ranks are dealt to partitions by a permutation
 * seeded by the simulator's seed alone, so every CA of a simulator agrees on which municipality is large.
 */
export function municipalWeights(count: number, skew: number, seed: number): Float64Array {
  const weights = new Float64Array(count);
  if (count === 0) return weights;
  if (count === 1 || skew <= 1) return weights.fill(1);
  const q = (count - skew) / (skew - 1);
  const ranks = Uint32Array.from({ length: count }, (_, i) => i + 1);
  const stream = new SerialStream().reset(mix32(seed >>> 0) ^ saltOf('municipal sizes'), count);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor((stream.next() / 2 ** 32) * (i + 1));
    const t = ranks[i] as number;
    ranks[i] = ranks[j] as number;
    ranks[j] = t;
  }
  for (let i = 0; i < count; i++) weights[i] = 1 / ((ranks[i] as number) + q);
  return weights;
}
