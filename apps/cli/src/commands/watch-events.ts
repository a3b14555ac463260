import { finished } from 'node:stream/promises';
import { EXIT } from '@jpki-validator/errors';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import type { CliIo, Command } from '../io.js';
import { writeJsonLine } from '../io.js';
import { encodingOption, encodingStream, zonedTimeFormatter } from '../text-encoding.js';
import { openWatchContext } from './watch-context.js';

const USAGE = `usage: jpki-validator watch events [--since TIME] [--meaning WORD] [--config FILE]
                                   [--format jsonl|csv] [--encoding utf-8|cp932] [--bom] [--tz ZONE] [--lang ja|en]

Lists past watch events, oldest first: JSON Lines (default), or CSV with a header
(eventId,type,customerId,issuer,caId,medium,serial,reason,meaning[,meaningLabel],revokedAt,crlNumber,detectedAt,notAfter).

options:
  --since TIME          events detected at or after TIME
  --meaning WORD        only events with this meaning (e.g. death_or_emigration)
  --format jsonl|csv    output format (default jsonl)
  --encoding E          utf-8 (default) or cp932 (Shift_JIS, for Japanese Excel)
  --bom                 start with a UTF-8 byte order mark (Excel opens UTF-8 CSV correctly with it)
  --tz ZONE             times in that zone (--tz Asia/Tokyo: …+09:00); default UTC (…Z)
  --lang ja|en          add meaningLabel, the meaning in words`;

const CSV_COLUMNS = ['eventId', 'type', 'customerId', 'issuer', 'caId', 'medium', 'serial', 'reason', 'meaning'] as const;
const CSV_TIMES = ['revokedAt', 'crlNumber', 'detectedAt', 'notAfter'] as const;
const TIME_KEYS = new Set(['revokedAt', 'detectedAt', 'notAfter']);

export const command: Command = {
  summary: 'list past watch events (JSON Lines or CSV; CP932, BOM, JST on request)',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(
      argv,
      {
        since: { type: 'string' },
        meaning: { type: 'string' },
        config: { type: 'string' },
        format: { type: 'string' },
        encoding: { type: 'string' },
        bom: { type: 'boolean' },
        tz: { type: 'string' },
        lang: { type: 'string' },
      },
      USAGE,
    );
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    const sinceMs = values.since === undefined ? undefined : Date.parse(values.since);
    if (sinceMs !== undefined && !Number.isFinite(sinceMs)) throw new UsageError(`--since "${values.since}" is not a time`);
    const format = values.format ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format ${JSON.stringify(format)}: use jsonl or csv`);
    const encoding = encodingOption(values.encoding);
    const zoned = values.tz === undefined ? null : zonedTimeFormatter(values.tz);
    const ctx = await openWatchContext(values.config, io, false);
    const labels = values.lang === undefined ? null : ctx.config.profile.labels[values.lang];
    if (values.lang !== undefined && labels === undefined)
      throw new UsageError(`--lang ${JSON.stringify(values.lang)}: labels exist in ${Object.keys(ctx.config.profile.labels).join(', ')}`);
    const out = await encodingStream(encoding, values.bom === true, io.stdout);
    const Papa = format === 'csv' ? (await import('papaparse')).default : null;
    try {
      if (Papa !== null) {
        const header = [...CSV_COLUMNS, ...(labels ? ['meaningLabel'] : []), ...CSV_TIMES];
        out.write(`${Papa.unparse([header], { newline: '\n' })}\n`);
      }
      for await (const e of ctx.repo.events({
        ...(sinceMs === undefined ? {} : { sinceMs }),
        ...(values.meaning === undefined ? {} : { meaning: values.meaning }),
      })) {
        const shown: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(e)) {
          shown[key] = zoned !== null && TIME_KEYS.has(key) && typeof value === 'string' ? zoned(Date.parse(value)) : value;
          if (key === 'meaning' && labels) shown.meaningLabel = labels[e.meaning] ?? null;
        }
        if (Papa !== null) {
          const cells = [...CSV_COLUMNS, ...(labels ? ['meaningLabel'] : []), ...CSV_TIMES].map((c) => shown[c] ?? '');
          if (!out.write(`${Papa.unparse([cells], { newline: '\n' })}\n`)) await new Promise<void>((r) => out.once('drain', r));
        } else await writeJsonLine(out, shown);
      }
      if (out !== io.stdout) {
        out.end();
        await finished(out);
      }
      return EXIT.OK;
    } finally {
      await ctx.close();
    }
  },
};
