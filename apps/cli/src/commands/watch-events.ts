import { EXIT } from '@jpki-validator/errors';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import type { CliIo, Command } from '../io.js';
import { writeJsonLine } from '../io.js';
import { openWatchContext } from './watch-context.js';

const USAGE = 'usage: jpki-validator watch events [--since TIME] [--meaning WORD] [--config FILE]';

export const command: Command = {
  summary: 'list past watch events (JSON Lines)',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(
      argv,
      { since: { type: 'string' }, meaning: { type: 'string' }, config: { type: 'string' } },
      USAGE,
    );
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    const sinceMs = values.since === undefined ? undefined : Date.parse(values.since);
    if (sinceMs !== undefined && !Number.isFinite(sinceMs)) throw new UsageError(`--since "${values.since}" is not a time`);
    const ctx = await openWatchContext(values.config, io, false);
    try {
      for await (const e of ctx.repo.events({
        ...(sinceMs === undefined ? {} : { sinceMs }),
        ...(values.meaning === undefined ? {} : { meaning: values.meaning }),
      })) {
        await writeJsonLine(io.stdout, e);
      }
      return EXIT.OK;
    } finally {
      await ctx.close();
    }
  },
};
