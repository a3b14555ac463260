import { resolve } from 'node:path';
import type { CrlWriteResult, WriteCrlOptions } from '@jpki-validator/sim';
import { formatTime } from '@jpki-validator/x509';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import { writeJsonLine, type CliIo } from '../io.js';
import { booleanFlag, numberFlag, stringFlag, timeFlag, type ListArgs } from './list-args.js';
import { DIR_OPTION, DIR_USAGE, describeSim, given, openSim, requiredFlag, type SimSubcommand } from './sim-common.js';

const CRL_USAGE = `usage: jpki-validator sim crl --ca ID --out FILE [--dir D] [options]
       jpki-validator sim crl --ca ID --all-partitions --out-dir DIR [--dir D]

Writes a DER CRL of the current generation by streaming (millions of entries in flat memory) and prints
{caId, partition, crlNumber, baseCrlNumber, thisUpdate, nextUpdate, idp, idpDirName, url, entries, bytes, file}.
The number of entries follows from \`sim init --population/--revoked-rate\` and the revocations since.
With --all-partitions: every partition CRL of the CA into DIR/<pNNNN>.crl, written by two walks of the CA's serial range
whatever the partition count; one JSON line per partition, and a summary on stderr.

options:
${DIR_USAGE}
  --ca ID                CA id or group (its newest generation)
  --out FILE             where to write the CRL (a temporary file, then renamed)
  --all-partitions       every partition of the CA (full CRLs), into --out-dir
  --out-dir DIR          where --all-partitions writes
  --partition P          a municipality partition (p0003 or 3) instead of the full CRL
  --delta                a delta CRL since the previous generation
  --base-generation N    a delta CRL since generation N (implies --delta)
  --this-update TIME     override thisUpdate
  --next-update TIME     override nextUpdate; "none" leaves it out
  --expired              thisUpdate two days ago, nextUpdate one day ago (a stale CRL)
  --corrupt-signature    test aid: a signature that does not verify
  --sign-with ID         test aid: sign with another CA's key (e.g. the other generation of the same name)`;

function partitionOf(args: ListArgs): string | number | undefined {
  const text = stringFlag(args.values, 'partition');
  if (text === undefined) return undefined;
  return /^\d+$/.test(text) ? Number(text) : text;
}

function deltaOf(args: ListArgs): WriteCrlOptions['delta'] | undefined {
  const base = numberFlag(args.values, 'base-generation', { integer: true, min: 0 });
  if (base !== undefined) return { baseGeneration: base };
  return booleanFlag(args.values, 'delta') ? true : undefined;
}

function nextUpdateOf(args: ListArgs): Date | null | undefined {
  return stringFlag(args.values, 'next-update') === 'none' ? null : timeFlag(args.values, 'next-update');
}

export function describeCrlWrite(result: CrlWriteResult, file: string) {
  return {
    caId: result.caId,
    partition: result.partition,
    crlNumber: result.crlNumber,
    baseCrlNumber: result.baseCrlNumber,
    thisUpdate: formatTime(result.thisUpdate),
    nextUpdate: result.nextUpdate === null ? null : formatTime(result.nextUpdate),
    idp: result.idp,
    idpDirName: result.idpDirName,
    url: result.url,
    entries: result.entries,
    bytes: result.bytes,
    file,
  };
}

export const crl: SimSubcommand = {
  summary: 'write a full, delta or partition CRL',
  usage: CRL_USAGE,
  options: {
    ...DIR_OPTION,
    ca: { type: 'string' },
    out: { type: 'string', short: 'o' },
    'all-partitions': { type: 'boolean' },
    'out-dir': { type: 'string' },
    partition: { type: 'string' },
    delta: { type: 'boolean' },
    'base-generation': { type: 'string' },
    'this-update': { type: 'string' },
    'next-update': { type: 'string' },
    expired: { type: 'boolean' },
    'corrupt-signature': { type: 'boolean' },
    'sign-with': { type: 'string' },
  },
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}\n\n${CRL_USAGE}`);
    if (booleanFlag(args.values, 'all-partitions')) return allPartitions(args, io);
    const out = resolve(io.cwd, requiredFlag(args, 'out', CRL_USAGE));
    const options: WriteCrlOptions = {
      ca: requiredFlag(args, 'ca', CRL_USAGE),
      out,
      ...given('partition', partitionOf(args)),
      ...given('delta', deltaOf(args)),
      ...given('thisUpdate', timeFlag(args.values, 'this-update')),
      ...given('nextUpdate', nextUpdateOf(args)),
      ...given('expired', booleanFlag(args.values, 'expired') ? true : undefined),
      ...given('corruptSignature', booleanFlag(args.values, 'corrupt-signature') ? true : undefined),
      ...given('signWith', stringFlag(args.values, 'sign-with')),
    };
    const sim = await openSim(args, io);
    await writeJsonLine(io.stdout, describeCrlWrite(await sim.writeCrl(options), out));
    return EXIT.OK;
  },
};

/** The options that make no sense with --all-partitions (which writes the current full CRL of every partition). */
const SINGLE_CRL_ONLY = [
  'out',
  'partition',
  'delta',
  'base-generation',
  'this-update',
  'next-update',
  'expired',
  'corrupt-signature',
  'sign-with',
];

async function allPartitions(args: ListArgs, io: CliIo): Promise<number> {
  const clash = SINGLE_CRL_ONLY.find((name) => args.values[name] !== undefined);
  if (clash !== undefined)
    throw new UsageError(`--all-partitions writes every partition's current CRL; --${clash} does not apply\n\n${CRL_USAGE}`);
  const outDir = resolve(io.cwd, requiredFlag(args, 'out-dir', CRL_USAGE));
  const ca = requiredFlag(args, 'ca', CRL_USAGE);
  const sim = await openSim(args, io);
  const started = performance.now();
  const result = await sim.writeAllPartitions({ ca, outDir });
  const seconds = (performance.now() - started) / 1000;
  for (const part of result.partitions) await writeJsonLine(io.stdout, describeCrlWrite(part, part.file));
  io.stderr.write(
    `sim crl: ${result.partitions.length} partitions of ${result.caId}, ${result.entries} entries, ${result.bytes} bytes in ${seconds.toFixed(1)} s (${result.walks} walks of the serial range) → ${outDir}\n`,
  );
  return EXIT.OK;
}

const ADVANCE_USAGE = `usage: jpki-validator sim advance [--days N] [--dir D]

Moves the simulator to the next generation(s): one day later each, with that day's seeded revocations. Prints
{generation, thisUpdate}.

options:
${DIR_USAGE}
  --days N   generations to advance (default 1)`;

export const advance: SimSubcommand = {
  summary: 'move to the next generation (a day later, new revocations)',
  usage: ADVANCE_USAGE,
  options: { ...DIR_OPTION, days: { type: 'string' } },
  async run(args, io) {
    const days = numberFlag(args.values, 'days', { integer: true, min: 1 }) ?? 1;
    const sim = await openSim(args, io);
    const generation = await sim.advance(days);
    await writeJsonLine(io.stdout, { generation, thisUpdate: formatTime(sim.generationTime()) });
    return EXIT.OK;
  },
};

const INFO_USAGE = `usage: jpki-validator sim info [--dir D]

Prints the simulator's description: {dir, seed, epoch, generation, thisUpdate, baseUrl, cas: [{id, group, kind, year,
serialBase, population, nextSerial, partitions, caCert}]}.

options:
${DIR_USAGE}`;

export const info: SimSubcommand = {
  summary: 'describe the simulator (CAs, generation, files)',
  usage: INFO_USAGE,
  options: { ...DIR_OPTION },
  async run(args, io) {
    await writeJsonLine(io.stdout, describeSim(await openSim(args, io)));
    return EXIT.OK;
  },
};
