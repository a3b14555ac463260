import { EXIT } from '@jpki-validator/errors';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { parseCommandArgs } from '../args.js';
import type { CliIo, Command } from '../io.js';
import { SUMMARY_OPTIONS, SUMMARY_USAGE, writeSummary } from '../summary-output.js';
import { openWatchContext } from './watch-context.js';

const USAGE = `usage: jpki-validator watch run [--output FILE|-] [--config FILE] [--json] [--summary-file FILE]
  one detection pass now; events also go to the configured sinks
${SUMMARY_USAGE}`;

export const command: Command = {
  summary: 'one detection pass now (JSON Lines events)',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(argv, { output: { type: 'string' }, config: { type: 'string' }, ...SUMMARY_OPTIONS }, USAGE);
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    const watch = await import('@jpki-validator/watch');
    const ctx = await openWatchContext(values.config, io, true);
    let output: Writable | undefined;
    if (values.output === '-') output = io.stdout;
    else if (values.output !== undefined) output = createWriteStream(resolve(io.cwd, values.output));
    const sinks = ctx.config.watch.sinks;
    const hasWebhook = sinks.some((s) => 'webhook' in s);
    // with Redis, batches go to the BullMQ delivery queue the watcher service works off; without, to the durable outbox
    const store = await import('@jpki-validator/store');
    const bullLink =
      hasWebhook && ctx.redisUrl !== null
        ? { connection: store.bullConnection(ctx.redisUrl), prefix: store.bullPrefix(ctx.redisUrl, 'bull') }
        : null;
    const bull = bullLink ? new (await import('@jpki-validator/watcher')).BullWebhookQueue(bullLink) : null;
    const outbox = ctx.redisUrl === null ? new watch.WebhookOutbox(resolve(ctx.watchDir, 'outbox')) : null;
    try {
      const report = await watch.runWatchPass({
        repo: ctx.repo,
        snapshot: ctx.snapshot,
        meaning: ctx.config.profile.meaning,
        mediumOf: (caId) => ctx.config.issuers.find((i) => i.id === caId)?.medium ?? null,
        sinks,
        ...((bull ?? outbox) ? { webhooks: (bull ?? outbox) as NonNullable<typeof bull | typeof outbox> } : {}),
        ...(output ? { output } : {}),
      });
      const delivery = outbox !== null && hasWebhook ? await outbox.deliverPending(sinks) : null;
      const text =
        `watch pass ${report.runId}: ${report.revoked} revoked, ${report.expired} expired` +
        `${report.cas.map((c) => ` · ${c.caId} generation ${c.generation}`).join('')}` +
        `${delivery ? ` · webhooks: ${delivery.delivered} delivered, ${delivery.pending} pending` : ''}\n` +
        (delivery?.errors ?? []).map((e) => `  ${e}\n`).join('');
      await writeSummary(io, { json: values.json === true, file: values['summary-file'] }, text, {
        // the events themselves went to --output and the sinks
        runId: report.runId,
        detectedAt: report.detectedAt,
        revoked: report.revoked,
        expired: report.expired,
        cas: report.cas,
        files: report.files,
        batches: report.batches,
        webhooks: delivery === null ? null : { delivered: delivery.delivered, pending: delivery.pending, errors: delivery.errors },
      });
      return EXIT.OK;
    } finally {
      if (output !== undefined && output !== io.stdout) {
        output.end();
        await finished(output);
      }
      await bull?.close();
      if (bullLink) await store.closeBullConnection(bullLink.connection);
      await ctx.close();
    }
  },
};
