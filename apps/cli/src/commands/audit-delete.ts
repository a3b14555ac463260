import { readFile } from 'node:fs/promises';
import { deleteCustomerRecords } from '@jpki-validator/audit';
import { EXIT } from '@jpki-validator/errors';
import { formatSerial, parseSerial } from '@jpki-validator/x509';
import { InputError, UsageError } from '../errors.js';
import type { CliIo, Command } from '../io.js';
import { writeJsonLine } from '../io.js';
import { openAuditContext } from './audit-context.js';
import { parseListArgs } from './list-args.js';

const USAGE = `usage: jpki-validator audit delete --serial HEX… | --serials FILE  [--issuer ID] [--reason TEXT] [--config FILE]

Erases one customer's records from the audit history: every record of the serials (of --issuer only, when given). The erasure is
recorded as an entry of its own (route audit.delete: when, why, how many, and the SHA-256 of the serial list — not the serials).
--serials FILE: one serial per line. Prints {deleted, serials, requestId, at, listSha256}. A running validator's records still in
its local journal (at most a moment's worth while the database answers) are shipped after the erasure: run it again, or use
POST /v1/audit/deletions, which ships that validator's journal first.`;

const OPTIONS = {
  serial: { type: 'string', multiple: true },
  serials: { type: 'string' },
  issuer: { type: 'string' },
  reason: { type: 'string' },
  config: { type: 'string' },
} as const;

function canonical(text: string, where: string): string {
  try {
    return formatSerial(parseSerial(text));
  } catch (error) {
    throw new UsageError(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const command: Command = {
  summary: "erase one customer's records from the audit history (by serial list)",
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseListArgs(argv, OPTIONS, USAGE);
    if (values.help === true) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError(`audit delete takes no positional arguments\n\n${USAGE}`);
    const serials = ((values.serial as string[] | undefined) ?? []).map((s, i) => canonical(s, `--serial ${i + 1}`));
    const file = values.serials as string | undefined;
    if (file !== undefined) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new InputError(`--serials ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      text.split(/\r?\n/).forEach((line, i) => {
        if (line.trim() !== '') serials.push(canonical(line.trim(), `${file}:${i + 1}`));
      });
    }
    if (serials.length === 0) throw new UsageError(`give the serials: --serial HEX… or --serials FILE\n\n${USAGE}`);
    const ctx = await openAuditContext(values.config as string | undefined, io);
    try {
      const result = await deleteCustomerRecords(ctx.sink, {
        serials,
        issuer: (values.issuer as string | undefined) ?? null,
        requestedBy: 'cli',
        reason: (values.reason as string | undefined) ?? null,
      });
      await writeJsonLine(io.stdout, result);
      return EXIT.OK;
    } finally {
      await ctx.close();
    }
  },
};
