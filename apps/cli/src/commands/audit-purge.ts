import { retentionCutoffMs } from '@jpki-validator/audit';
import { EXIT } from '@jpki-validator/errors';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import type { CliIo, Command } from '../io.js';
import { writeJsonLine } from '../io.js';
import { openAuditContext } from './audit-context.js';

const USAGE = `usage: jpki-validator audit purge [--retention 7y] [--config FILE]

Removes what is older than the retention (audit.retention, default 7y; also 18mo, 400d) now — what a running validator does on its
schedule (audit.purgeEvery). PostgreSQL drops whole month partitions, each once all of it is past the retention; SQLite deletes the
rows. Prints {cutoff, partitions, rows}.`;

export const command: Command = {
  summary: 'apply the audit retention now (drop months past it)',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { retention: { type: 'string' }, config: { type: 'string' } }, USAGE);
    if (values.help === true) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError(`audit purge takes no positional arguments\n\n${USAGE}`);
    const ctx = await openAuditContext(values.config, io);
    try {
      const retention = values.retention ?? ctx.retention;
      const cutoff = retentionCutoffMs(retention, Date.now());
      if (cutoff === null) throw new UsageError(`--retention "${retention}": use a retention such as 7y, 18mo or 400d`);
      const result = await ctx.sink.purge(cutoff);
      await writeJsonLine(io.stdout, { cutoff: new Date(cutoff).toISOString(), ...result });
      return EXIT.OK;
    } finally {
      await ctx.close();
    }
  },
};
