import { EXIT } from '@jpki-validator/errors';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import type { CliIo, Command } from '../io.js';
import { writeJsonLine } from '../io.js';
import { openWatchContext } from './watch-context.js';

const USAGE = 'usage: jpki-validator watch rotate --customer ID --serial NEW [--issuer ID] [--not-after TIME] [--config FILE]';

export const command: Command = {
  summary: "a customer's certificate was reissued: watch the new serial, keep the old one in the history",
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(
      argv,
      {
        customer: { type: 'string' },
        serial: { type: 'string' },
        issuer: { type: 'string' },
        'not-after': { type: 'string' },
        config: { type: 'string' },
      },
      USAGE,
    );
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (values.customer === undefined || values.serial === undefined)
      throw new UsageError(`--customer and --serial are required\n\n${USAGE}`);
    const [{ parseSerial, formatSerial, formatTime }, watch] = await Promise.all([
      import('@jpki-validator/x509'),
      import('@jpki-validator/watch'),
    ]);
    const serial = parseSerial(values.serial);
    const notAfterMs = values['not-after'] === undefined ? null : Date.parse(values['not-after']);
    if (notAfterMs !== null && !Number.isFinite(notAfterMs)) throw new UsageError(`--not-after "${values['not-after']}" is not a time`);
    const ctx = await openWatchContext(values.config, io, false);
    try {
      const issuer =
        values.issuer === undefined
          ? undefined
          : { issuer: values.issuer, caIds: watch.createIssuerResolver(ctx.config.issuers)(values.issuer) };
      const r = await watch
        .rotateCustomer(ctx.repo, { customerId: values.customer, serial, notAfterMs, ...(issuer ? { issuer } : {}) })
        .catch((e: unknown) => {
          if (e instanceof watch.WatchError && e.code === 'WATCH_CUSTOMER_UNKNOWN') throw new UsageError(e.message, { cause: e });
          throw e;
        });
      await writeJsonLine(io.stdout, {
        customerId: r.customerId,
        issuer: r.issuer,
        serial: formatSerial(r.serial),
        notAfter: r.notAfterMs === null ? null : formatTime(r.notAfterMs),
        history: r.history.map((h) => ({ issuer: h.issuer, serial: h.serial, until: formatTime(h.untilMs) })),
      });
      return EXIT.OK;
    } finally {
      await ctx.close();
    }
  },
};
