import { EXIT } from '@jpki-validator/errors';
import { parseCommandArgs } from '../args.js';
import type { CliIo, Command } from '../io.js';
import { openOutputTarget, type OutputTarget } from '../output-target.js';
import { SUMMARY_OPTIONS, SUMMARY_USAGE, writeSummary } from '../summary-output.js';
import { openWatchContext } from './watch-context.js';

const USAGE = `usage: jpki-validator watch run [--output FILE|-] [--config FILE] [--json] [--summary-file FILE]
  One detection pass now. Its events are recorded, then delivered to the configured sinks (and whatever earlier runs still
  owe them, e.g. after a crash) exactly once; --output also gets this pass's events. Exit 3 when the watch list is empty,
  when a watched CA has no CRL loaded, or when a sink could not be written (the events stay owed to it).
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
    let output: OutputTarget | null = null;
    const sinks = ctx.config.watch.sinks;
    const hasWebhook = sinks.some((s) => 'webhook' in s);
    // with Redis, batches go to the BullMQ delivery queue the watcher service works off; without, to the durable outbox
    const store = await import('@jpki-validator/store');
    const bullLink =
      hasWebhook && ctx.redisUrl !== null
        ? { connection: store.bullConnection(ctx.redisUrl), prefix: store.bullPrefix(ctx.redisUrl, 'bull') }
        : null;
    const bull = bullLink ? new (await import('@jpki-validator/watcher')).BullWebhookQueue(bullLink) : null;
    const outbox = ctx.redisUrl === null ? new watch.WebhookOutbox(`${ctx.watchDir}/outbox`) : null;
    try {
      const summary = await ctx.repo.summary();
      if (summary.rows === 0)
        throw new watch.WatchDataUnavailableError('the watch list is empty: nothing was checked (load one with `watch import FILE`)');
      if (values.output !== undefined) output = await openOutputTarget(values.output, io.stdout, io.cwd);
      const webhooks = bull ?? outbox;
      const report = await watch.runWatchPass({
        repo: ctx.repo,
        snapshot: ctx.snapshot,
        meaning: ctx.config.profile.meaning,
        mediumOf: (caId) => ctx.config.issuers.find((i) => i.id === caId)?.medium ?? null,
        sinks,
        ...(webhooks === null ? {} : { webhooks }),
        ...(output === null ? {} : { output: output.stream }),
        reportEvents: 0,
      });
      await output?.commit();
      output = null;
      // the console's history of passes; a store that cannot take it costs a warning, not the pass
      if (ctx.ops !== null)
        await new store.OpsHistory(ctx.ops)
          .recordPass(watch.passRecordOf(report))
          .catch((e: unknown) =>
            io.stderr.write(`warning: the pass was not recorded in the ops history: ${e instanceof Error ? e.message : String(e)}\n`),
          );
      const posted = outbox !== null && hasWebhook ? await outbox.deliverPending(sinks) : null;
      const retired = new Set(ctx.config.issuers.filter((i) => i.retired).map((i) => i.id));
      const missing = report.unavailable.filter((caId) => !retired.has(caId));
      const t = report.timings;
      const secs = (ms: number) => (ms / 1000).toFixed(2);
      const lines = [
        `watch pass ${report.runId ?? '(nothing new)'}: ${report.revoked} revoked, ${report.expired} expired over ${report.rows} watched certificates` +
          `${report.cas.map((c) => ` · ${c.caId} generation ${c.generation}`).join('')}` +
          ` · pass ${secs(t.detectMs + t.recordMs + t.deliverMs)} s (detection ${secs(t.detectMs)} s, record ${secs(t.recordMs)} s, delivery ${secs(t.deliverMs)} s)` +
          `${posted ? ` · webhooks: ${posted.delivered} delivered, ${posted.pending} pending` : ''}`,
        ...report.delivery.done.map((d) => `  delivered: ${d}`),
        ...report.delivery.waiting.map((d) => `  owed: ${d}`),
        ...[...report.delivery.errors, ...(posted?.errors ?? [])].map((e) => `  error: ${e}`),
      ];
      if (missing.length > 0)
        lines.push(
          `${report.cas.length === 0 ? 'error: no CRL is loaded for any watched CA: nothing was checked' : 'error: not checked'} — ` +
            `no CRL loaded for ${missing.join(', ')} (run \`fetch --once\`, or check the config)`,
        );
      await writeSummary(io, { json: values.json === true, file: values['summary-file'] }, `${lines.join('\n')}\n`, {
        // the events themselves went to --output and the sinks
        runId: report.runId,
        revoked: report.revoked,
        expired: report.expired,
        rows: report.rows,
        cas: report.cas,
        notChecked: missing,
        timings: report.timings,
        delivery: report.delivery,
        webhooks: posted === null ? null : { delivered: posted.delivered, pending: posted.pending, errors: posted.errors },
      });
      if (missing.length > 0 || report.delivery.errors.length > 0) return EXIT.UNAVAILABLE;
      return EXIT.OK;
    } finally {
      await output?.discard();
      await bull?.close();
      if (bullLink) await store.closeBullConnection(bullLink.connection);
      await ctx.close();
    }
  },
};
