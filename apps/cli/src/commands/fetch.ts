import { loadConfig } from '@jpki-validator/config';
import { createLogger, fetchOnce, openFetcherStore, type PartitionReport } from '@jpki-validator/crl-fetcher/once';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import { writeJsonLine, type CliIo, type Command } from '../io.js';
import { shareMetrics } from '../share-metrics.js';
import { logDestination } from '../log-destination.js';

/** the fetcher's DEFAULT_ADMIN_PORT, repeated so `--help` and `--once` need not import the queue side */
const DEFAULT_ADMIN_PORT = 9464;

const USAGE = `usage: jpki-validator fetch [--once] [--config FILE] [--admin-port N] [--admin-host HOST]

Keeps every configured CRL current. On REDIS_URL: a BullMQ worker with a schedule per CA — a run refreshes every partition of
the CA, fetch.concurrency at a time (and a run soon after the earliest nextUpdate), an admin server with /metrics, /healthz and the job dashboard at /admin/queues; it runs until SIGTERM/SIGINT.
Without REDIS_URL: the same schedule in process, into the embedded store in the data directory.
With watch sinks configured (watch.sinks), the process also runs the death-detection job: a pass after every CRL switch and on
watch.schedule (default daily 09:00 Asia/Tokyo); with REDIS_URL as BullMQ jobs shared by every fetch process (each pass runs
once), with webhook retries through BullMQ; without, in process, with webhook batches kept in <dataDir>/watch/outbox until
delivered.

options:
  --once            fetch every configured partition now, print one JSON report per partition on stdout, and exit:
                    0 all current (loaded, unchanged or not modified) · 2 config error · 3 some partition could not be loaded
  --config FILE     the config file (else JPKI_VALIDATOR_CONFIG)
  --admin-port N    admin server port (default ${DEFAULT_ADMIN_PORT}; 0 any free port)
  --admin-host H    admin server address (default 127.0.0.1). Beyond loopback the job dashboard (/admin/queues, which can
                    retry and delete jobs) needs ADMIN_PASSWORD (basic auth, user admin); without it the dashboard is off`;

const OPTIONS = {
  once: { type: 'boolean' },
  config: { type: 'string' },
  'admin-port': { type: 'string' },
  'admin-host': { type: 'string' },
} as const;

export const command: Command = {
  summary: 'CRL fetcher: --once loads every configured CRL now; otherwise runs the scheduled worker',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, USAGE);
    if (values.help === true) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError(`fetch takes no positional arguments (got "${positionals.join(' ')}")\n\n${USAGE}`);
    const config = loadConfig({ file: values.config, env: io.env, cwd: io.cwd });
    return values.once === true ? once(config, io) : await serveWorker(config, io, values['admin-port'], values['admin-host']);
  },
};

async function once(config: ReturnType<typeof loadConfig>, io: CliIo): Promise<number> {
  // stdout carries the reports; logs go to stderr
  const logger = createLogger({ destination: io.stderr, level: 'warn' });
  // a one-shot load answers nothing: the embedded store keeps metadata only (no merged set to rebuild on open or patch per switch)
  const { store } = await openFetcherStore(config, { logger, watch: false, holdEntries: false });
  try {
    const { reports, exitCode } = await fetchOnce(config, store, logger);
    for (const report of reports) await writeJsonLine(io.stdout, report);
    io.stderr.write(`${summary(reports)}\n`);
    return exitCode;
  } finally {
    await store.close();
  }
}

function summary(reports: readonly PartitionReport[]): string {
  const counts = new Map<string, number>();
  for (const r of reports) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const parts = [...counts].map(([outcome, n]) => `${n} ${outcome}`);
  return `fetch: ${reports.length} partition${reports.length === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

async function serveWorker(
  config: ReturnType<typeof loadConfig>,
  io: CliIo,
  port: string | undefined,
  host: string | undefined,
): Promise<number> {
  const adminPort = port === undefined ? DEFAULT_ADMIN_PORT : Number(port);
  if (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535)
    throw new UsageError(`--admin-port: "${port}" is not a port number`);
  // the queue side (BullMQ, Hono, bull-board) loads only here
  const { startFetcher, waitForSignal } = await import('@jpki-validator/crl-fetcher');
  const logger = createLogger({ destination: await logDestination(io) });
  const password = io.env.ADMIN_PASSWORD;
  const fetcher = await startFetcher({
    config,
    logger,
    adminPort,
    ...(host === undefined ? {} : { adminHost: host }),
    ...(password ? { adminPassword: password } : {}),
  });
  // the death-detection job rides along when its events have somewhere to go; without sinks `watch run` is the way
  const { startWatchJob, describeWatchSchedule } = await import('@jpki-validator/watcher');
  let watch: Awaited<ReturnType<typeof startWatchJob>> | null = null;
  try {
    if (config.watch.sinks.length > 0) watch = await startWatchJob({ config, store: fetcher.store, logger });
    // the admin server's /metrics shows the watch job's too, and the process's (memory during a national load)
    if (watch !== null) shareMetrics(watch.metrics.registry, fetcher.metrics.registry);
    const { collectProcessMetrics } = await import('@jpki-validator/validator');
    collectProcessMetrics(fetcher.metrics.registry);
  } catch (error) {
    await fetcher.close();
    throw error;
  }
  const watching = watch === null ? 'watch job off (no watch.sinks configured)' : `watch job on (${describeWatchSchedule(config.watch)})`;
  io.stderr.write(
    `fetch: ${fetcher.mode === 'queue' ? 'queue worker' : 'in-process scheduler'} running; ${watching}; admin ${fetcher.adminUrl ?? 'off'}; stop with SIGTERM\n`,
  );
  await waitForSignal();
  await watch?.close();
  await fetcher.close();
  return EXIT.OK;
}
