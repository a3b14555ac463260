import { auditCsvHeader, auditCsvLine, auditJsonLine } from '@jpki-validator/audit';
import { EXIT } from '@jpki-validator/errors';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import type { CliIo, Command } from '../io.js';
import { openAuditContext, timeOption } from './audit-context.js';
import { lineWriter } from './audit-output.js';
import { encodingOption } from '../text-encoding.js';

const USAGE = `usage: jpki-validator audit export [--from TIME] [--to TIME] [--format csv|jsonl] [--output FILE|-]
                                   [--encoding utf-8|cp932] [--bom] [--serial HEX] [--issuer ID] [--purpose P] [--config FILE]

Writes the audit history, oldest first, one record per answer the validator gave: CSV with a header (default) or JSON Lines.
--from is inclusive, --to exclusive (RFC 3339 or YYYY-MM-DD, UTC). --encoding cp932 for Japanese Excel; --bom puts a UTF-8 byte
order mark first. A summary (records written) goes to stderr.`;

const OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
  encoding: { type: 'string' },
  bom: { type: 'boolean' },
  serial: { type: 'string' },
  issuer: { type: 'string' },
  purpose: { type: 'string' },
  config: { type: 'string' },
} as const;

/** keyset pages of this many records: one query each, never the whole history in memory */
const PAGE = 5_000;

export const command: Command = {
  summary: 'export the audit history (CSV or JSON Lines, UTF-8 or CP932)',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, USAGE);
    if (values.help === true) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError(`audit export takes no positional arguments\n\n${USAGE}`);
    const format = values.format ?? 'csv';
    if (format !== 'csv' && format !== 'jsonl') throw new UsageError(`--format "${format}": use csv or jsonl`);
    const fromMs = timeOption(values.from, '--from');
    const toMs = timeOption(values.to, '--to');
    const encoding = encodingOption(values.encoding);
    let serial: string | undefined;
    if (values.serial !== undefined) {
      const { formatSerial, parseSerial } = await import('@jpki-validator/x509');
      try {
        serial = formatSerial(parseSerial(values.serial));
      } catch (error) {
        throw new UsageError(`--serial: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const ctx = await openAuditContext(values.config, io);
    try {
      const out = await lineWriter(
        values.output === undefined || values.output === '-' ? io.stdout : values.output,
        encoding,
        values.bom === true,
      );
      if (format === 'csv') await out.line(auditCsvHeader());
      let written = 0;
      let after: Awaited<ReturnType<typeof ctx.sink.query>>['next'] = null;
      do {
        const page = await ctx.sink.query({
          order: 'asc',
          limit: PAGE,
          ...(fromMs !== undefined ? { fromMs } : {}),
          ...(toMs !== undefined ? { toMs } : {}),
          ...(serial !== undefined ? { serial } : {}),
          ...(values.issuer !== undefined ? { issuer: values.issuer } : {}),
          ...(values.purpose !== undefined ? { purpose: values.purpose } : {}),
          ...(after !== null ? { after } : {}),
        });
        for (const row of page.rows) await out.line(format === 'csv' ? auditCsvLine(row) : auditJsonLine(row));
        written += page.rows.length;
        after = page.next;
      } while (after !== null);
      await out.end();
      io.stderr.write(`audit export: ${written} records from ${ctx.where}\n`);
      return EXIT.OK;
    } finally {
      await ctx.close();
    }
  },
};
