import { EXIT } from '@jpki-validator/errors';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readFileChunks } from '@jpki-validator/x509';
import { parseCommandArgs } from '../args.js';
import { InputError, UsageError } from '../errors.js';
import type { CliIo, Command } from '../io.js';
import { decodingStream, encodingOption } from '../text-encoding.js';
import { openWatchContext } from './watch-context.js';

const USAGE = `usage: jpki-validator watch import FILE|- [--config FILE] [--encoding utf-8|cp932]
  CSV with a header: customerId,issuer,serial[,notAfter] (columns in any order; others ignored).
  One row per certificate: a customer with a signature and an authentication certificate has two rows (their issuers
  belong to two groups). Idempotent: a re-import updates what changed and writes only that. All rows or none.
  --encoding cp932 reads a Shift_JIS file (as Japanese Excel saves CSV); a UTF-8 BOM is skipped.`;

/** Streams the CSV into the watch list: a 10 M-row file never sits in memory as rows. */
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
    const watch = await import('@jpki-validator/watch');
    const path = file === '-' ? null : resolve(io.cwd, file);
    const sizeBytes = path === null ? 0 : (await stat(path)).size;
    const ctx = await openWatchContext(values.config, io, false);
    try {
      let input: AsyncIterable<Uint8Array>;
      // a UTF-8 file is read through two reused buffers (the reader copies only what it keeps): a fresh buffer per chunk cost
      // ~0.07 s of CPU per 80 MB in page faults and collection (bench/RESULTS.md, "Watch lists at insurer scale")
      if (path !== null && decoding === null) input = readFileChunks(path, 1 << 20);
      else {
        const raw = path === null ? io.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
        input = decoding === null ? raw : raw.pipe(decoding);
      }
      const startedMs = performance.now();
      const report = await watch.importWatchCsv(ctx.repo, input, ctx.resolveIssuer, { sizeBytes }).catch((e: unknown) => {
        // a bad row or issuer is bad input as a whole (exit 2), named by file, line and field
        if (e instanceof watch.WatchError && e.kind === 'usage') throw new InputError(`${file}: ${e.message}`, { cause: e });
        throw e;
      });
      const seconds = (performance.now() - startedMs) / 1000;
      const { kinds } = report;
      io.stderr.write(
        `${file}: ${report.rows} rows: ${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged` +
          `${report.duplicates > 0 ? `, ${report.duplicates} repeated` : ''} in ${seconds.toFixed(1)} s; ` +
          `the watch list holds ${report.total} certificates (${kinds.sign} signature, ${kinds.auth} authentication, ${kinds.other} other)\n`,
      );
      if (report.duplicates > 0)
        io.stderr.write(
          `warning: ${report.duplicates} rows repeat an earlier row of the file exactly and were skipped ` +
            `(${report.duplicateLines.map(([line, first]) => `line ${line} = line ${first}`).join(', ')}${report.duplicates > report.duplicateLines.length ? ', …' : ''})\n`,
        );
      if (report.total > 0 && kinds.sign === 0)
        io.stderr.write(
          'warning: the watch list has no signature certificates. A move, a name change or any other change of the basic ' +
            'details revokes only the signature certificate (superseded), so those changes will not be seen. Add each ' +
            "customer's signature certificate as a second row (issuer: a signature CA or group).\n",
        );
      return EXIT.OK;
    } finally {
      await ctx.close();
    }
  },
};
