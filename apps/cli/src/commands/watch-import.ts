import { EXIT } from '@jpki-validator/errors';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { parseCommandArgs } from '../args.js';
import { InputError, UsageError } from '../errors.js';
import type { CliIo, Command } from '../io.js';
import { decodingStream, encodingOption } from '../text-encoding.js';
import { openWatchContext } from './watch-context.js';

const USAGE = `usage: jpki-validator watch import FILE|- [--config FILE] [--encoding utf-8|cp932]
  CSV with a header: customerId,issuer,serial[,notAfter]. Idempotent; a re-import updates.
  --encoding cp932 reads a Shift_JIS file (as Japanese Excel saves CSV); a UTF-8 BOM is skipped.`;

/** Streams the CSV (papaparse) into the watch list in batches: a 10 M-row file never sits in memory. */
export const command: Command = {
  summary: 'load a watch list (CSV customerId,issuer,serial[,notAfter])',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { config: { type: 'string' }, encoding: { type: 'string' } }, USAGE);
    const decoding = await decodingStream(encodingOption(values.encoding));
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) throw new UsageError(`watch import takes one FILE\n\n${USAGE}`);
    const [{ default: Papa }, watch] = await Promise.all([import('papaparse'), import('@jpki-validator/watch')]);
    const ctx = await openWatchContext(values.config, io, false);
    try {
      const resolveIssuer = watch.createIssuerResolver(ctx.config.issuers);
      const raw = file === '-' ? io.stdin : createReadStream(resolve(io.cwd, file));
      const input = decoding === null ? raw : raw.pipe(decoding);
      const parser = input.pipe(Papa.parse(Papa.NODE_STREAM_INPUT, { header: true, skipEmptyLines: 'greedy' }));
      let line = 1;
      let checkedHeader = false;
      async function* rows() {
        for await (const row of parser as AsyncIterable<Record<string, string>>) {
          line++;
          if (!checkedHeader) {
            checkedHeader = true;
            for (const column of ['customerId', 'issuer', 'serial']) {
              if (!(column in row))
                throw new watch.WatchRowError(1, column, `missing column (header must hold customerId,issuer,serial[,notAfter])`);
            }
          }
          yield watch.parseWatchRow(row, line, resolveIssuer);
        }
      }
      const report = await watch.importWatchList(ctx.repo, rows()).catch((e: unknown) => {
        // a bad row or issuer is bad input as a whole (exit 2), named by line and field
        if (e instanceof watch.WatchError && e.kind === 'usage') throw new InputError(`${file}: ${e.message}`, { cause: e });
        throw e;
      });
      io.stderr.write(`${file}: ${line - 1} rows, ${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged\n`);
      return EXIT.OK;
    } finally {
      await ctx.close();
    }
  },
};
