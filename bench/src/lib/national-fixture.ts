/**
 * The national benchmark's simulator: one national-layout signature CA (1,741 municipal partitions) in two states that share
 * keys and base URL — `day0` (generation 0) and `day1` (the next day, with one new revocation in each of a chosen fraction of
 * the partitions and nothing else) — so the same port can serve either, and a fetcher that loaded day 0 sees day 1 as a daily
 * refresh: the changed partitions answer 200, the others 304 (same CRL number, same ETag).
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { initSimulator, openSimulator, type Simulator } from '@jpki-validator/sim';
import { xorshift32 } from './xorshift.js';

export const NATIONAL_CA = 'jpki-sign-2023';

export interface NationalFixtureOptions {
  workDir: string;
  /** seeded certificates of the signature CA (60 M for ~30 M entries) */
  population: number;
  revokedRate: number;
  partitions: number;
  /** fraction of partitions changed on day 1 (0.05) */
  changedFraction: number;
  /** the port the simulator will be served on: it is in every CRL's IDP, so both states must be served there */
  port: number;
  seed: number;
}

export interface PartitionFile {
  partition: string;
  file: string;
  entries: number;
  bytes: number;
}

export interface NationalFixture {
  day0: string;
  day1: string;
  caId: string;
  caCert: string;
  baseUrl: string;
  /** day 0's listing (name, url, dirName per partition) */
  listing: string;
  /** day 0's partition CRLs as files, for the openssl peer */
  files: PartitionFile[];
  entriesDay0: number;
  /** partitions changed on day 1, and the serial revoked in each */
  changed: { partition: string; serial: number }[];
  /** seconds `writeAllPartitions` took for day 0 (the simulator's own writing figure) */
  simWriteSeconds: number;
  simWriteWalks: number;
}

/** `count` distinct indexes of 0 … n−1, in a seeded order. */
export function pickIndexes(n: number, count: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = xorshift32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = random.next().value % (i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order.slice(0, count).sort((a, b) => a - b);
}

/** One serial per chosen partition that is good on day 0: the first found walking up from the CA's first serial. */
function goodSerialsIn(sim: Simulator, partitions: readonly string[]): Map<string, number> {
  const ca = sim.listCas().find((c) => c.id === NATIONAL_CA);
  if (!ca) throw new Error(`no ${NATIONAL_CA}`);
  const wanted = new Set(partitions);
  const found = new Map<string, number>();
  for (let serial = ca.serialBase; serial < ca.serialBase + ca.population && found.size < wanted.size; serial++) {
    const p = sim.partitionOf(NATIONAL_CA, serial) ?? '';
    if (wanted.has(p) && !found.has(p) && sim.status(NATIONAL_CA, serial).status === 'good') found.set(p, serial);
  }
  if (found.size < wanted.size) throw new Error(`found a good serial in ${found.size} of ${wanted.size} partitions; raise --population`);
  return found;
}

export async function buildNationalFixture(options: NationalFixtureOptions): Promise<NationalFixture> {
  const day0 = join(options.workDir, 'sim-day0');
  const day1 = join(options.workDir, 'sim-day1');
  const baseUrl = `http://127.0.0.1:${options.port}`;
  // Generation 0 a day ago and generation 1 at the hour just passed, so both days' CRLs are current by the wall clock.
  const epoch = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 86_400_000);
  const sim = await initSimulator({
    dir: day0,
    layout: 'national',
    kinds: ['sign'],
    seed: options.seed,
    populationPerCa: options.population,
    revokedRate: options.revokedRate,
    partitions: options.partitions,
    dailyRevokedRate: 0,
    baseUrl,
    epoch,
    force: true,
  });

  const outDir = join(options.workDir, 'crls-day0');
  await mkdir(outDir, { recursive: true });
  const started = performance.now();
  const written = await sim.writeAllPartitions({ ca: NATIONAL_CA, outDir });
  const simWriteSeconds = (performance.now() - started) / 1000;

  // day 1 = a copy of day 0's state and keys (not its caches), one day later, with the chosen partitions changed
  await rm(day1, { recursive: true, force: true });
  await cp(day0, day1, { recursive: true, filter: (src) => !/[/\\](crl-cache|issued)$/.test(src) });
  const next = await openSimulator(day1);
  await next.advance();
  const names = next.partitionNames(NATIONAL_CA);
  const chosen = pickIndexes(names.length, Math.max(1, Math.round(names.length * options.changedFraction)), options.seed).map(
    (i) => names[i] ?? '',
  );
  const serials = goodSerialsIn(next, chosen);
  const changed: NationalFixture['changed'] = [];
  for (const partition of chosen) {
    const serial = serials.get(partition) ?? 0;
    await next.revoke({ ca: NATIONAL_CA, serial, reason: 'superseded' });
    changed.push({ partition, serial });
  }

  return {
    day0,
    day1,
    caId: NATIONAL_CA,
    caCert: sim.caCertificatePath(NATIONAL_CA),
    baseUrl,
    listing: sim.partitionListingPath(NATIONAL_CA),
    files: written.partitions.map((p) => ({ partition: p.partition ?? '', file: p.file, entries: p.entries, bytes: p.bytes })),
    entriesDay0: written.entries,
    changed,
    simWriteSeconds,
    simWriteWalks: written.walks,
  };
}
