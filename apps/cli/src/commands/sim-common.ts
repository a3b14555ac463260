import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { Simulator, SerialStatus, SimCaState } from '@jpki-validator/sim';
import { CRL_REASON_NAMES, formatSerial, formatTime, type CrlReason } from '@jpki-validator/x509';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { stringFlag, type ListArgs } from './list-args.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** One `sim <name>` subcommand. */
export interface SimSubcommand {
  summary: string;
  usage: string;
  options: OptionSpec;
  run(args: ListArgs, io: CliIo): Promise<number>;
}

/** Where the simulator lives when `--dir` is not given: beside the validator's own data directory default. */
export const DEFAULT_SIM_DIR = '.jpki-validator/sim';

export const DIR_OPTION = { dir: { type: 'string', short: 'd' } } as const;

export const DIR_USAGE = `  --dir D          the simulator's state directory (default ${DEFAULT_SIM_DIR})`;

export function simDir(args: ListArgs, io: CliIo): string {
  return resolve(io.cwd, stringFlag(args.values, 'dir') ?? DEFAULT_SIM_DIR);
}

/** The simulator package is imported only when a sim subcommand runs (start-up time of the other commands). */
export async function openSim(args: ListArgs, io: CliIo): Promise<Simulator> {
  const { openSimulator } = await import('@jpki-validator/sim');
  return openSimulator(simDir(args, io));
}

export function requiredFlag(args: ListArgs, name: string, usage: string): string {
  const value = stringFlag(args.values, name);
  if (value === undefined) throw new UsageError(`missing --${name}\n\n${usage}`);
  return value;
}

export function reasonFlag(args: ListArgs, name: string): CrlReason | undefined {
  const text = stringFlag(args.values, name);
  if (text === undefined) return undefined;
  const reason = CRL_REASON_NAMES.find((r) => r === text);
  if (reason === undefined)
    throw new UsageError(`--${name} ${JSON.stringify(text)} is not a CRL reason; one of: ${CRL_REASON_NAMES.join(', ')}`);
  return reason;
}

/** A CA as `sim init` and `sim info` print it. */
export function describeCa(sim: Simulator, ca: SimCaState) {
  return {
    id: ca.id,
    group: ca.group,
    kind: ca.kind,
    medium: ca.medium ?? 'card',
    year: ca.year,
    serialBase: formatSerial(BigInt(ca.serialBase)),
    population: ca.population,
    nextSerial: formatSerial(BigInt(ca.nextSerial)),
    partitions: ca.partitions,
    ...(ca.municipal ? { partitionSkew: ca.municipal.skew, reissueDays: ca.municipal.reissueDays } : {}),
    caCert: sim.caCertificatePath(ca.id),
    partitionListing: ca.partitions > 0 ? sim.partitionListingPath(ca.id) : null,
  };
}

export function describeSim(sim: Simulator) {
  const state = sim.snapshot();
  return {
    dir: sim.dir,
    layout: state.layout ?? 'standard',
    seed: state.seed,
    epoch: state.epoch,
    generation: state.generation,
    thisUpdate: formatTime(sim.generationTime()),
    baseUrl: state.baseUrl,
    cas: sim.listCas().map((ca) => describeCa(sim, ca)),
  };
}

/** A serial's status with contract-formatted times. */
export function describeStatus(status: SerialStatus) {
  return {
    caId: status.caId,
    serial: status.serial,
    status: status.status,
    reason: status.reason,
    revokedAt: status.revokedAt === null ? null : formatTime(status.revokedAt),
    invalidityDate: status.invalidityDate === null ? null : formatTime(status.invalidityDate),
  };
}

/** `--generations 2015,2023` or `--generations 2015 2023`: every value split on commas. */
export function splitList(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** `{ [key]: value }` when the value is given, else `{}`: spread into an options object whose optional keys must be absent. */
export function given<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]: V });
}
