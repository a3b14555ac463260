import { join } from 'node:path';
import type { InitSimulatorOptions, SimLayout } from '@jpki-validator/sim';
import { CRL_REASON_NAMES, type CrlReason } from '@jpki-validator/x509';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import { writeJsonLine } from '../io.js';
import { booleanFlag, listFlag, numberFlag, stringFlag, timeFlag, type ListArgs } from './list-args.js';
import { DIR_OPTION, DIR_USAGE, describeSim, given, simDir, splitList, type SimSubcommand } from './sim-common.js';

const USAGE = `usage: jpki-validator sim init [--dir D] [--layout standard|national] [--preset test-cards] [options]

Creates a JPKI-like simulator: CA keys and certificates for every kind and generation of the card, a smartphone CA pair
(jpki-smartphone-sign-<year>, jpki-smartphone-auth-<year>), OCSP responders, a seeded revocation population, and for each
partitioned CA a partition listing <dir>/partitions/<ca>.json. Prints the simulator's description (CAs, their serial ranges,
certificate and listing files; with --preset test-cards, the test cards issued) as JSON.

The national layout is J-LIS's shape at national scale: signature CAs split into 1,741 municipalities of skewed sizes, each
certificate's distribution point a directoryName and a URL, authentication CAs unpartitioned, ~30 M revoked signature entries.
Its defaults are marked "national" below; every option still overrides (1,741 partitions of ~20 entries: --population 70000).

options:
${DIR_USAGE}
  --layout L               standard (default) or national
  --seed N                 32-bit seed of the revocation population (default 1)
  --population N           seeded certificates per CA (default 10000; national 60000000); a CA's CRL lists about
                           population × revoked-rate entries (5 million entries: --population 10000000 --revoked-rate 0.5)
  --revoked-rate R         fraction revoked at generation 0 (default 0.1; national 0.5)
  --auth-revoked-rate R    the same for authentication CAs (default: --revoked-rate; national 0.02)
  --daily-revoked-rate R   fraction newly revoked per \`sim advance\` day (default 0.0005)
  --invalidity-date-rate R fraction of entries with an invalidityDate (default 0.02)
  --backdate-days N        generation-0 revocations spread over this many days before the epoch (default 1825)
  --reason-weights LIST    e.g. superseded=60,affiliationChanged=15,cessationOfOperation=15,certificateHold=10
  --generations Y,…        CA generations (years) (default 2015,2023; national 2023)
  --kinds K,…              sign and/or auth (default sign,auth)
  --smartphone-generations Y,…  years of the smartphone CA pairs (default: the newest generation; national: none)
  --no-smartphone          no smartphone CAs
  --preset test-cards      the Digital Agency's test cards and test patterns (auth/sign 7F00D011/7F00D012 valid, 7F00D013/
                           7F00D014 expired, 7F00D015/7F00D016 revoked, 7F00D017/7F00D018 valid, patterns 7F00D101 …),
                           issued by the 2023 card CAs; defaults become --generations 2023 --population 0 --partitions 0
  --partitions N           municipality partitions per CA (default 8; national 1741, signature CAs only)
  --partition-skew X       national: the largest municipality's expected size ÷ the smallest's (default 100; 1 = equal)
  --reissue-days N         national: an unchanged partition CRL is re-issued N generations after its last issue; 0 = only
                           when it changes (default: a day before its nextUpdate, 3 with 96 h)
  --base-url URL           base of CRL and OCSP URLs put in certificates (default http://127.0.0.1:8081)
  --epoch TIME             thisUpdate of generation 0 (default now, truncated to the hour)
  --crl-validity-hours N   nextUpdate − thisUpdate (default 48; national 96)
  --serial-base HEX        first serial of the first CA (default 7000000)
  --force                  replace an existing simulator in the directory`;

const LAYOUTS: readonly SimLayout[] = ['standard', 'national'];

function reasonWeights(text: string): Partial<Record<CrlReason, number>> {
  const weights: Partial<Record<CrlReason, number>> = {};
  for (const pair of splitList([text])) {
    const [name, value, extra] = pair.split('=');
    const reason = CRL_REASON_NAMES.find((r) => r === name);
    const weight = Number(value);
    if (reason === undefined || extra !== undefined || value === undefined || !Number.isFinite(weight) || weight < 0) {
      throw new UsageError(`--reason-weights: ${JSON.stringify(pair)} is not <reason>=<weight ≥ 0>`);
    }
    weights[reason] = weight;
  }
  return weights;
}

function integers(args: ListArgs, name: string): number[] | undefined {
  const items = splitList(listFlag(args.values, name));
  if (items.length === 0) return undefined;
  return items.map((item) => {
    const n = Number(item);
    if (!Number.isInteger(n)) throw new UsageError(`--${name}: ${JSON.stringify(item)} is not a whole number`);
    return n;
  });
}

function kinds(args: ListArgs): Array<'sign' | 'auth'> | undefined {
  const items = splitList(listFlag(args.values, 'kinds'));
  if (items.length === 0) return undefined;
  return items.map((k) => {
    if (k !== 'sign' && k !== 'auth') throw new UsageError(`--kinds: ${JSON.stringify(k)} is neither sign nor auth`);
    return k;
  });
}

function preset(args: ListArgs): 'test-cards' | undefined {
  const text = stringFlag(args.values, 'preset');
  if (text === undefined) return undefined;
  if (text !== 'test-cards') throw new UsageError(`--preset ${JSON.stringify(text)}: the only preset is test-cards`);
  return text;
}

function serialBase(args: ListArgs): number | undefined {
  const text = stringFlag(args.values, 'serial-base');
  if (text === undefined) return undefined;
  const digits = text.replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,8}$/i.test(digits)) throw new UsageError(`--serial-base ${JSON.stringify(text)} is not hex below 2^32`);
  return Number.parseInt(digits, 16);
}

/** Only the options given: the simulator's defaults apply to the rest (exactOptionalPropertyTypes: absent, not undefined). */
function initOptions(args: ListArgs, dir: string): InitSimulatorOptions {
  const v = args.values;
  const weights = stringFlag(v, 'reason-weights');
  const layoutText = stringFlag(v, 'layout');
  const layout = LAYOUTS.find((l) => l === layoutText);
  if (layoutText !== undefined && layout === undefined)
    throw new UsageError(`--layout ${JSON.stringify(layoutText)}: one of ${LAYOUTS.join(', ')}`);
  return {
    dir,
    ...given('layout', layout),
    ...given('seed', numberFlag(v, 'seed', { integer: true, min: 0, max: 0xffff_ffff })),
    ...given('populationPerCa', numberFlag(v, 'population', { integer: true, min: 0 })),
    ...given('revokedRate', numberFlag(v, 'revoked-rate', { min: 0, max: 1 })),
    ...given('authRevokedRate', numberFlag(v, 'auth-revoked-rate', { min: 0, max: 1 })),
    ...given('dailyRevokedRate', numberFlag(v, 'daily-revoked-rate', { min: 0, max: 1 })),
    ...given('invalidityDateRate', numberFlag(v, 'invalidity-date-rate', { min: 0, max: 1 })),
    ...given('backdateDays', numberFlag(v, 'backdate-days', { integer: true, min: 0 })),
    ...given('reasonWeights', weights === undefined ? undefined : reasonWeights(weights)),
    ...given('generations', integers(args, 'generations')),
    ...given('kinds', kinds(args)),
    ...given('smartphoneGenerations', booleanFlag(v, 'no-smartphone') ? [] : integers(args, 'smartphone-generations')),
    ...given('preset', preset(args)),
    ...given('partitions', numberFlag(v, 'partitions', { integer: true, min: 0 })),
    ...given('partitionSkew', numberFlag(v, 'partition-skew', { min: 1 })),
    ...given('reissueDays', numberFlag(v, 'reissue-days', { integer: true, min: 0 })),
    ...given('baseUrl', stringFlag(v, 'base-url')),
    ...given('epoch', timeFlag(v, 'epoch')),
    ...given('crlValidityHours', numberFlag(v, 'crl-validity-hours', { min: 0 })),
    ...given('serialBase', serialBase(args)),
    ...given('force', booleanFlag(v, 'force') ? true : undefined),
  };
}

export const init: SimSubcommand = {
  summary: 'create a simulator (CAs, keys, revocation population)',
  usage: USAGE,
  options: {
    ...DIR_OPTION,
    layout: { type: 'string' },
    seed: { type: 'string' },
    'auth-revoked-rate': { type: 'string' },
    'partition-skew': { type: 'string' },
    'reissue-days': { type: 'string' },
    population: { type: 'string' },
    'revoked-rate': { type: 'string' },
    'daily-revoked-rate': { type: 'string' },
    'invalidity-date-rate': { type: 'string' },
    'backdate-days': { type: 'string' },
    'reason-weights': { type: 'string' },
    generations: { type: 'string', multiple: true },
    kinds: { type: 'string', multiple: true },
    'smartphone-generations': { type: 'string', multiple: true },
    'no-smartphone': { type: 'boolean' },
    preset: { type: 'string' },
    partitions: { type: 'string' },
    'base-url': { type: 'string' },
    epoch: { type: 'string' },
    'crl-validity-hours': { type: 'string' },
    'serial-base': { type: 'string' },
    force: { type: 'boolean' },
  },
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError(`sim init takes no positional arguments\n\n${USAGE}`);
    const options = initOptions(args, simDir(args, io));
    const { initSimulator, TEST_CARDS } = await import('@jpki-validator/sim');
    const sim = await initSimulator(options);
    const testCards =
      options.preset === 'test-cards'
        ? {
            testCards: TEST_CARDS.map((card) => ({
              name: card.name,
              label: card.label,
              table: card.table,
              certificates: card.certificates.map((c) => ({
                ...c,
                caId: `jpki-${c.kind}-2023`,
                file: join(sim.dir, 'issued', `jpki-${c.kind}-2023`, `${c.serial}.pem`),
              })),
            })),
          }
        : {};
    await writeJsonLine(io.stdout, { ...describeSim(sim), ...testCards });
    return EXIT.OK;
  },
};
