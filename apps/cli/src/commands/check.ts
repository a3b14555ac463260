import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import type { CliIo, Command } from '../io.js';
import { openOutputTarget } from '../output-target.js';
import type { ProfileConfig } from '@jpki-validator/config';
import { encodingOption, encodingStream, zonedTimeFormatter, type TextEncodingName } from '../text-encoding.js';
import { booleanFlag, listFlag, numberFlag, parseListArgs, stringFlag } from './list-args.js';
import { SUMMARY_OPTIONS, SUMMARY_USAGE, writeSummary } from '../summary-output.js';

const USAGE = `usage: jpki-validator check [--input FILE|-] [--output FILE|-] [--format csv|jsonl] [--issuer ID]
                            (--crl FILE_OR_URL… [--ca CERT…] [--no-verify] [--complete-set] | --redis URL [--redis-prefix P] | --api URL)
                            [--config FILE] [--fail-on revoked|unknown|any]
                            [--encoding utf-8|cp932] [--bom] [--tz ZONE] [--lang ja|en]

Bulk check of certificate serials. Input: CSV with a header holding \`serial\` (optional \`issuer\`, \`id\`; other columns are passed
through unchanged) or JSON Lines (one object per line; chosen when the input starts with \`{\`). Output, in input order: the input
row plus status,reason,meaning,revokedAt,source,crlNumber,detail,medium (and meaningLabel with --lang). Streams: millions of rows
never sit in memory.

options:
  --input FILE|-        input (default - : stdin)
  --output FILE|-       output (default - : stdout); a regular file is written whole or not at all (temporary file, then
                        renamed; a symlink is followed); a FIFO or device is written to as a stream
  --format csv|jsonl    output format (default: the input's)
  --issuer ID           issuer (CA id or group) for rows without one; default: the only CA (or group) there is
  --crl FILE_OR_URL…    offline: verify these CRLs against their CA and load them in process (no server). A full CRL vouches
                        for every serial of its CA; partition CRLs vouch for a serial they do not list only as a complete
                        set: the partitions configured for the CA (--config), or --complete-set. Otherwise such a serial is
                        unknown (issuer_not_loaded). A CRL covering only some reasons or only CA certificates is refused.
  --complete-set        the --crl CRLs of each CA are every partition it has
  --ca CERT…            the CA certificates (id = file name without extension; group = the id without a trailing -YYYY);
                        default: the config's issuers
  --no-verify           load --crl CRLs whose signature cannot be verified (attributed to the CA carrying their issuer name)
  --redis URL           the live store (answers from each CA's generation current when the run starts)
  --redis-prefix P      the store's key prefix (default jpki)
  --api URL             a running validator (POST /v1/status/batch, NDJSON); --api-key KEY or JPKI_VALIDATOR_API_KEY
  --config FILE         config file (default: JPKI_VALIDATOR_CONFIG): issuers and the reason → meaning profile
  --fail-on WHAT        exit 1 when any row is revoked | unknown | any (either)
  --batch-rows N        rows read and written at a time (default 8192)
  --encoding E          input and output text: utf-8 (default) or cp932 (Shift_JIS, as Japanese Excel saves CSV)
  --bom                 start the output with a UTF-8 byte order mark (Excel then opens UTF-8 CSV correctly)
  --tz ZONE             revokedAt in that time zone (--tz Asia/Tokyo: 2026-10-01T12:00:00+09:00); default UTC (…Z)
  --lang ja|en          add meaningLabel, the meaning in words (default: the profile's labelLanguage, else none)
${SUMMARY_USAGE}

Progress on stderr when it is a terminal; a summary on stderr at the end.
Exit: 0 done · 1 --fail-on matched · 2 bad usage or malformed input (names the line) · 3 data unavailable (every answer unknown
for lack of data, store or validator down).`;

const OPTIONS = {
  input: { type: 'string' },
  output: { type: 'string' },
  format: { type: 'string' },
  issuer: { type: 'string' },
  crl: { type: 'string', multiple: true },
  ca: { type: 'string', multiple: true },
  'no-verify': { type: 'boolean' },
  'complete-set': { type: 'boolean' },
  redis: { type: 'string' },
  'redis-prefix': { type: 'string' },
  api: { type: 'string' },
  'api-key': { type: 'string' },
  config: { type: 'string' },
  'fail-on': { type: 'string' },
  'batch-rows': { type: 'string' },
  encoding: { type: 'string' },
  bom: { type: 'boolean' },
  tz: { type: 'string' },
  lang: { type: 'string' },
  ...SUMMARY_OPTIONS,
} as const;

/**
 * Rows read, held and written at a time. Small enough that a batch's row objects stay in V8's young generation (measured here: 64 k
 * rows per batch spent ~45 % of the run in GC, 8 k rows far less), large enough that a write is a few hundred kB.
 */
const DEFAULT_BATCH_ROWS = 8192;

export const command: Command = {
  summary: 'bulk check of certificate serials (CSV or JSON Lines) against CRLs, Redis or a validator',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseListArgs(argv, OPTIONS, USAGE);
    if (booleanFlag(values, 'help')) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError(`check takes no positional arguments (use --input FILE)\n\n${USAGE}`);
    const format = choice(values, 'format', ['csv', 'jsonl'] as const);
    const failOn = choice(values, 'fail-on', ['revoked', 'unknown', 'any'] as const);
    const batchRows = numberFlag(values, 'batch-rows', { integer: true, min: 1, max: 10_000_000 }) ?? DEFAULT_BATCH_ROWS;
    const source = sourceChoice(values, io);
    const encoding = encodingOption(stringFlag(values, 'encoding'));
    const bom = booleanFlag(values, 'bom');
    if (bom && encoding === 'cp932') throw new UsageError('--bom is a UTF-8 byte order mark: it does not go with --encoding cp932');
    const tz = stringFlag(values, 'tz');
    const formatTime = tz === undefined ? null : zonedTimeFormatter(tz);

    // Loaded only now: `check --help` and usage errors should not pay for the store, the resolver or papaparse.
    const { openInput } = await import('../check/input.js');
    const { openCheckSource } = await import('../check/sources/open-source.js');
    const { runPipeline } = await import('../check/pipeline.js');
    const { createProgress } = await import('../check/progress.js');
    const { loadConfig } = await import('@jpki-validator/config');

    const configFile = stringFlag(values, 'config');
    let config: ReturnType<typeof loadConfig> | null = null;
    const configOnce = () => (config ??= loadConfig({ file: configFile, env: io.env, cwd: io.cwd }));
    const { BUILT_IN_LABELS } = await import('@jpki-validator/config');
    const profile = (configFile ?? io.env.JPKI_VALIDATOR_CONFIG) ? configOnce().profile : null;
    const labelOf = labelsFor(stringFlag(values, 'lang'), profile?.labels ?? BUILT_IN_LABELS, profile?.labelLanguage ?? null);
    const checkSource = await openCheckSource({
      choice: source,
      caFiles: listFlag(values, 'ca'),
      config: configOnce,
      cwd: io.cwd,
      warn: (line) => io.stderr.write(`${line}\n`),
    });
    try {
      const input = await openInput(stringFlag(values, 'input') ?? '-', io.stdin, io.cwd, batchRows, encoding);
      const output = await openOutput(stringFlag(values, 'output') ?? '-', io, encoding, bom);
      const progress = createProgress(io.stderr, input.totalBytes);
      const startedMs = performance.now();
      let tally: Awaited<ReturnType<typeof runPipeline>>;
      try {
        tally = await runPipeline({
          input,
          output: output.stream,
          format: format ?? output.impliedFormat,
          source: checkSource,
          defaultIssuer: stringFlag(values, 'issuer') ?? checkSource.soleIssuer(),
          progress,
          labelOf,
          formatTime,
        });
      } catch (error) {
        progress.stop();
        await output.discard();
        throw error;
      }
      progress.stop();
      await output.commit();
      const elapsedMs = performance.now() - startedMs;
      const dataUsed = checkSource.dataUsed();
      await writeSummary(
        io,
        { json: booleanFlag(values, 'json'), file: stringFlag(values, 'summary-file') },
        tally.format(elapsedMs, dataUsed),
        tally.toJSON(elapsedMs, dataUsed),
      );
      if (tally.everyAnswerLacksData) return EXIT.UNAVAILABLE;
      if (failOn !== undefined && tally.matches(failOn)) return EXIT.CHECK_FAILED;
      return EXIT.OK;
    } finally {
      await checkSource.close();
    }
  },
};

type Values = ReturnType<typeof parseListArgs>['values'];

function choice<T extends string>(values: Values, name: string, allowed: readonly T[]): T | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const found = allowed.find((a) => a === text);
  if (found === undefined) throw new UsageError(`--${name} ${JSON.stringify(text)}: use one of ${allowed.join(', ')}`);
  return found;
}

function sourceChoice(values: Values, io: CliIo) {
  const crls = listFlag(values, 'crl');
  const redis = stringFlag(values, 'redis');
  const api = stringFlag(values, 'api');
  const given = [crls.length > 0, redis !== undefined, api !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError(`check needs exactly one source: --crl FILE_OR_URL…, --redis URL or --api URL\n\n${USAGE}`);
  if (booleanFlag(values, 'no-verify') && crls.length === 0) throw new UsageError('--no-verify applies to --crl only');
  if (booleanFlag(values, 'complete-set') && crls.length === 0) throw new UsageError('--complete-set applies to --crl only');
  if (crls.length > 0)
    return { kind: 'crl', crls, verify: !booleanFlag(values, 'no-verify'), completeSet: booleanFlag(values, 'complete-set') } as const;
  if (redis !== undefined) {
    const prefix = stringFlag(values, 'redis-prefix');
    return { kind: 'redis', url: redis, ...(prefix === undefined ? {} : { prefix }) } as const;
  }
  const apiKey = stringFlag(values, 'api-key') ?? io.env.JPKI_VALIDATOR_API_KEY;
  return { kind: 'api', url: api ?? '', ...(apiKey === undefined ? {} : { apiKey }) } as const;
}

interface Output {
  stream: Writable;
  impliedFormat: 'csv' | 'jsonl' | null;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** `--lang`, else the profile's labelLanguage: a meaning's label in that language (profile labels over the built-in ones) */
function labelsFor(
  lang: string | undefined,
  labels: ProfileConfig['labels'],
  profileLanguage: string | null,
): ((meaning: string) => string | null) | null {
  const language = lang ?? profileLanguage;
  if (language === null) return null;
  const table = labels[language];
  if (table === undefined) throw new UsageError(`--lang ${JSON.stringify(language)}: labels exist in ${Object.keys(labels).join(', ')}`);
  return (meaning) => table[meaning] ?? null;
}

/**
 * The output target (output-target.ts: a regular file replaced atomically, through a symlink; a FIFO or device written to as a
 * stream), encoded per --encoding / --bom.
 */
async function openOutput(target: string, io: CliIo, encoding: TextEncodingName, bom: boolean): Promise<Output> {
  const out = await openOutputTarget(target, io.stdout, io.cwd);
  const impliedFormat = target === '-' ? null : /\.(jsonl|ndjson)$/i.test(target) ? 'jsonl' : /\.csv$/i.test(target) ? 'csv' : null;
  const encoded = await encodingStream(encoding, bom, out.stream);
  return {
    stream: encoded,
    impliedFormat,
    async commit() {
      if (encoded !== out.stream) {
        encoded.end();
        await finished(encoded);
      }
      await out.commit();
    },
    async discard() {
      if (encoded !== out.stream) encoded.destroy();
      await out.discard();
    },
  };
}
