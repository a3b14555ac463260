import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createCaFiles, createSharedLeafKey } from './ca.js';
import { SimStateError, SimUsageError } from './errors.js';
import type { InitSimulatorOptions } from './options.js';
import { RevocationModel } from './population.js';
import { Simulator } from './simulator.js';
import { DEFAULT_PARTITION_SKEW, NATIONAL_MUNICIPALITIES } from './municipalities.js';
import { STATE_FILE, writeState, type CaKind, type SimCaState, type SimLayout, type SimMedium, type SimState } from './state.js';
import { issueTestCards } from './test-cards.js';

/** Serial spacing between CAs: room for 16 M certificates each, all serials staying JPKI-like (≤ 28 bits). */
const SERIAL_STRIDE = 0x0100_0000;

/** What `layout: 'national'` changes (J-LIS's shape at national scale: ~30 M revoked signature entries in 1,741 municipalities). */
const NATIONAL_DEFAULTS = {
  generations: [2023],
  populationPerCa: 60_000_000,
  revokedRate: 0.5,
  authRevokedRate: 0.02,
  partitions: NATIONAL_MUNICIPALITIES,
  crlValidityHours: 96,
} as const;

const LAYOUTS: readonly SimLayout[] = ['standard', 'national'];

/**
 * Creates a simulator in `dir`: RSA-2048 keys and self-signed certificates for every (kind, generation) of the card and a
 * smartphone pair per smartphone generation (default: the newest; none in the national layout), a delegated OCSP responder per
 * CA, one shared leaf key, the state file, and a partition listing per partitioned CA. The `test-cards` preset makes the 2023
 * generation with no seeded population and issues the Digital Agency's test cards and test patterns (test-cards.ts). Keys come
 * from Node's CSPRNG (RSA keygen cannot be seeded), so the population and CRL bytes are reproducible per initialised directory,
 * not across `init` runs.
 */
export async function initSimulator(options: InitSimulatorOptions): Promise<Simulator> {
  const { dir } = options;
  const stateFile = join(dir, STATE_FILE);
  if (!options.force && (await exists(stateFile))) {
    throw new SimStateError('SIM_STATE_EXISTS', 'a simulator already exists here (pass force to replace it)', stateFile);
  }
  const layout = options.layout ?? 'standard';
  if (!LAYOUTS.includes(layout)) throw new SimUsageError('SIM_BAD_OPTION', `layout must be one of ${LAYOUTS.join(', ')}, got ${layout}`);
  const national = layout === 'national';
  const testCards = options.preset === 'test-cards';
  const generations = options.generations ?? (national ? [...NATIONAL_DEFAULTS.generations] : testCards ? [2023] : [2015, 2023]);
  const kinds: CaKind[] = options.kinds ?? ['sign', 'auth'];
  // national: the card alone unless asked (a smartphone pair would double a national population)
  const smartphoneGenerations = options.smartphoneGenerations ?? (national ? [] : [Math.max(...generations)]);
  // the test cards alone: no seeded population, full CRLs only
  const population = options.populationPerCa ?? (national ? NATIONAL_DEFAULTS.populationPerCa : testCards ? 0 : 10_000);
  const partitions = options.partitions ?? (national ? NATIONAL_DEFAULTS.partitions : testCards ? 0 : 8);
  const serialBase = options.serialBase ?? 0x0700_0000;
  const crlValidityHours = options.crlValidityHours ?? (national ? NATIONAL_DEFAULTS.crlValidityHours : 48);
  const revokedRate = options.revokedRate ?? (national ? NATIONAL_DEFAULTS.revokedRate : undefined);
  const authRevokedRate = options.authRevokedRate ?? (national ? NATIONAL_DEFAULTS.authRevokedRate : undefined);
  if (!Number.isInteger(population) || population < 0 || population >= 2 ** 31) {
    throw new SimUsageError('SIM_BAD_OPTION', `populationPerCa must be a whole number below 2^31, got ${population}`);
  }
  if (!Number.isInteger(partitions) || partitions < 0 || partitions > 9999)
    throw new SimUsageError('SIM_BAD_OPTION', `partitions must be 0 … 9999, got ${partitions}`);
  if (generations.length === 0 || kinds.length === 0)
    throw new SimUsageError('SIM_BAD_OPTION', 'need at least one generation and one kind');
  if (new Set(generations).size !== generations.length)
    throw new SimUsageError('SIM_BAD_OPTION', `generations repeat: ${generations.join(', ')}`);
  if (new Set(smartphoneGenerations).size !== smartphoneGenerations.length || smartphoneGenerations.some((y) => !Number.isInteger(y)))
    throw new SimUsageError('SIM_BAD_OPTION', `smartphone generations must be distinct years: ${smartphoneGenerations.join(', ')}`);
  if (testCards && (!generations.includes(2023) || !kinds.includes('sign') || !kinds.includes('auth')))
    throw new SimUsageError('SIM_BAD_OPTION', 'the test-cards preset needs the 2023 generation of both kinds (it issues them there)');
  if (!national && (options.partitionSkew !== undefined || options.reissueDays !== undefined))
    throw new SimUsageError('SIM_BAD_OPTION', 'partitionSkew and reissueDays apply to the national layout (layout: national)');
  const skew = options.partitionSkew ?? DEFAULT_PARTITION_SKEW;
  if (!(Number.isFinite(skew) && skew >= 1)) throw new SimUsageError('SIM_BAD_OPTION', `partitionSkew must be ≥ 1, got ${skew}`);
  const reissueDays = options.reissueDays ?? Math.max(1, Math.floor(crlValidityHours / 24) - 1);
  if (!Number.isInteger(reissueDays) || reissueDays < 0)
    throw new SimUsageError('SIM_BAD_OPTION', `reissueDays must be a whole number ≥ 0, got ${reissueDays}`);

  // Room for the population and at least one more certificate per CA; 16 M unless the population needs more.
  const stride = SERIAL_STRIDE * (Math.floor(population / SERIAL_STRIDE) + 1);
  const cas: SimCaState[] = [];
  // card CAs first, then the smartphone pairs: the card CAs' serial ranges stay where they always were
  const media: [SimMedium, number[]][] = [
    ['card', generations],
    ['smartphone', smartphoneGenerations],
  ];
  for (const [medium, years] of media) {
    for (const kind of kinds) {
      for (const year of [...years].sort((a, b) => a - b)) {
        const base = serialBase + cas.length * stride;
        if (base + stride > 2 ** 32) throw new SimUsageError('SIM_BAD_OPTION', 'serialBase too high: serials must stay below 2^32');
        const partitioned = !(national && kind === 'auth');
        const group = medium === 'card' ? `jpki-${kind}` : `jpki-smartphone-${kind}`;
        cas.push({
          id: `${group}-${year}`,
          group,
          kind,
          ...(medium === 'card' ? {} : { medium }),
          year,
          serialBase: base,
          population,
          nextSerial: base + population,
          partitions: partitioned ? partitions : 0,
          ...(national && partitioned && partitions > 0 ? { municipal: { skew, reissueDays } } : {}),
          ...(kind === 'auth' && authRevokedRate !== undefined ? { model: { revokedRate: authRevokedRate } } : {}),
        });
      }
    }
  }
  const epoch = options.epoch ?? new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const state: SimState = {
    format: 1,
    seed: (options.seed ?? 1) >>> 0,
    epoch: epoch.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    generation: 0,
    version: 1,
    generationVersions: [],
    baseUrl: (options.baseUrl ?? 'http://127.0.0.1:8081').replace(/\/+$/, ''),
    ...(national ? { layout } : {}),
    crlValidityHours,
    model: {
      ...(revokedRate === undefined ? {} : { revokedRate }),
      ...(options.dailyRevokedRate === undefined ? {} : { dailyRevokedRate: options.dailyRevokedRate }),
      ...(options.reasonWeights === undefined ? {} : { reasonWeights: options.reasonWeights }),
      ...(options.invalidityDateRate === undefined ? {} : { invalidityDateRate: options.invalidityDateRate }),
      ...(options.backdateDays === undefined ? {} : { backdateDays: options.backdateDays }),
    },
    cas,
    revocations: {},
  };
  // Validate the model options before spending a second on key generation.
  for (const ca of cas) new RevocationModel('check', epoch.getTime(), { seed: state.seed, ...state.model, ...ca.model });

  await mkdir(dir, { recursive: true });
  // What a replaced simulator derived from its keys and state must not outlive it (the server would serve its cached CRLs).
  for (const derived of ['crl-cache', 'partitions']) await rm(join(dir, derived), { recursive: true, force: true });
  for (const ca of cas) await createCaFiles(dir, ca);
  await createSharedLeafKey(dir);
  await writeState(dir, state);
  const sim = await Simulator.open(dir);
  await sim.writePartitionListings();
  if (testCards) await issueTestCards(sim);
  return sim;
}

export async function openSimulator(dir: string): Promise<Simulator> {
  return Simulator.open(dir);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
