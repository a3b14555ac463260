/**
 * `jpki-validator start` (what `npm start` runs): fetcher and validator in one process, on REDIS_URL when set, else the embedded
 * store. Every CRL is loaded before the validator answers and kept current after by the fetcher's own scheduler (or queue worker);
 * with watch sinks configured the death-detection job runs beside them (services/watcher `startWatchJob`). With no config it first starts the JPKI-like simulator (data under `.jpki-validator/demo`), publishing CRLs and OCSP on
 * loopback, issues the Digital Agency's test cards, configures the card CAs and a smartphone pair from it, and prints curl
 * commands for a good, a revoked (affiliationChanged), a smartphone (OCSP-answered) and a test-card certificate.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from '@jpki-validator/config';
import type { InProcessScheduler, PartitionReport } from '@jpki-validator/crl-fetcher';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import type { CliIo, Command } from '../io.js';
import { portOption } from './serve.js';
import { shareMetrics } from '../share-metrics.js';
import { logDestination } from '../log-destination.js';

const USAGE = `usage: jpki-validator start [--port N] [--config FILE]

Loads every configured CRL, then serves the validator API (PORT, default 8080) while the fetcher keeps the CRLs current on each
issuer's refresh schedule (in process, or as a BullMQ worker with REDIS_URL). With watch sinks configured it also runs the
death-detection job (after every CRL switch and on watch.schedule). Without a config: a demo on the built-in simulator (state
in .jpki-validator/demo; no watch job): the test cards, a smartphone CA pair, and curl commands to try. Stops gracefully on
SIGTERM/SIGINT.`;

const OPTIONS = { port: { type: 'string' }, config: { type: 'string' } } as const;

interface Demo {
  configFile: string;
  commands: (baseUrl: string) => string[];
  close(): Promise<void>;
}

/**
 * The simulator as a demo J-LIS: the card CAs' CRLs over HTTP (with OCSP behind them), the Digital Agency's test cards issued by the
 * 2023 card CAs, and a smartphone CA pair — its signature CA with CRLs, its authentication CA answered by OCSP alone (as a platform
 * operator's スマホ用OCSP would).
 */
async function startDemo(cwd: string): Promise<Demo> {
  const { initSimulator, openSimulator, issueTestCards } = await import('@jpki-validator/sim');
  const dir = resolve(cwd, '.jpki-validator', 'demo');
  await mkdir(dir, { recursive: true });
  const init = (force: boolean) => initSimulator({ dir: join(dir, 'sim'), populationPerCa: 10_000, partitions: 2, force });
  let sim = await openSimulator(join(dir, 'sim')).catch(() => init(false));
  // a demo made before the simulator had smartphone CAs: made again
  if (!sim.listCas().some((ca) => ca.medium === 'smartphone')) sim = await init(true);
  const server = await sim.serve({ port: 0 });
  await sim.setBaseUrl(server.url);
  await issueTestCards(sim);
  const good = await sim.issueCertificate({ ca: 'jpki-sign-2023' });
  const dead = await sim.issueCertificate({ ca: 'jpki-sign-2023' });
  await sim.revoke({ ca: 'jpki-sign-2023', serial: dead.serial, reason: 'affiliationChanged' });
  const phone = await sim.issueCertificate({ ca: 'jpki-smartphone-auth-2023' });
  const crlIssuer = (ca: string, group: string, medium: 'card' | 'smartphone' = 'card') => ({
    id: ca,
    group,
    caCert: sim.caCertificatePath(ca),
    crls: sim.partitionNames(ca).map((p) => ({ name: p, source: sim.crlUrl(ca, p) })),
    ocsp: { url: sim.ocspUrl() },
    medium,
  });
  const config = {
    issuers: [
      crlIssuer('jpki-sign-2023', 'jpki-sign'),
      crlIssuer('jpki-sign-2015', 'jpki-sign'),
      crlIssuer('jpki-auth-2023', 'jpki-auth'),
      crlIssuer('jpki-auth-2015', 'jpki-auth'),
      crlIssuer('jpki-smartphone-sign-2023', 'jpki-smartphone-sign', 'smartphone'),
      // no CRL configured: every answer comes from the (smartphone) OCSP responder
      {
        id: 'jpki-smartphone-auth-2023',
        group: 'jpki-smartphone-auth',
        caCert: sim.caCertificatePath('jpki-smartphone-auth-2023'),
        ocsp: { url: sim.ocspUrl() },
        mode: 'ocsp-only',
        medium: 'smartphone',
      },
    ],
    dataDir: join(dir, 'store'),
  };
  const configFile = join(dir, 'config.json');
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
  return {
    configFile,
    commands: (base) => [
      `# good:\ncurl -s ${base}/v1/status/jpki-sign/${good.serial}`,
      `# revoked (affiliationChanged → death_or_emigration), with the meaning in Japanese:\ncurl -s -H 'Accept-Language: ja' ${base}/v1/status/jpki-sign/${dead.serial}`,
      `# a smartphone certificate, answered by OCSP:\ncurl -s ${base}/v1/status/jpki-smartphone-auth/${phone.serial}`,
      `# the Digital Agency's test cards (README "The test cards"): the revoked card's signature certificate:\ncurl -s ${base}/v1/status/jpki-sign/7F00D016`,
    ],
    close: () => server.close(),
  };
}

/** The scheduler's start-up refresh of every configured CA (joined, not repeated; bounded per CA), as `fetchOnce` would report it. */
async function startupRuns(config: Config, scheduler: InProcessScheduler | null): Promise<PartitionReport[]> {
  if (scheduler === null) return [];
  const runs = await Promise.all(config.issuers.filter((i) => i.partitions.length > 0).map((issuer) => scheduler.refreshNow(issuer.id)));
  return runs.flatMap((r) => r ?? []);
}

/** What `start` runs, closed in reverse order of starting: the validator first, the store it shares with the fetcher last. */
class Closer {
  private readonly steps: (() => Promise<void>)[] = [];

  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  async close(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step();
  }
}

export const command: Command = {
  summary: 'fetcher and validator in one process; with no config, a demo on the simulator (what `npm start` runs)',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, USAGE);
    if (values.help === true) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError(`start takes no positional arguments\n\n${USAGE}`);
    const configured = values.config ?? io.env.JPKI_VALIDATOR_CONFIG;
    const demo = configured ? null : await startDemo(io.cwd);
    try {
      const config: Config = loadConfig({ file: demo?.configFile ?? configured, env: io.env, cwd: io.cwd });
      const [
        { startValidator, closeOnSignal, linkEmbedded, createValidatorLogger },
        { fetchOnce, createLogger, startFetcher, openFetcherStore },
      ] = await Promise.all([import('@jpki-validator/validator'), import('@jpki-validator/crl-fetcher')]);
      const logs = await logDestination(io);
      const logger = createValidatorLogger(io.env.LOG_LEVEL ?? 'info', logs);
      const fetcherLogger = logger.child({ component: 'crl-fetcher' });
      // the store is shared in process by the fetcher, the watch job and the validator (embedded), or is Redis's
      const opened = await openFetcherStore(config, { logger: fetcherLogger });
      const embedded = opened.kind === 'embedded' ? opened.store : null;
      const writer = opened.store;
      const parts = new Closer();
      parts.add(() => writer.close());
      try {
        // every CRL is loaded before the validator answers, and kept current after: the fetcher's in-process scheduler
        // (embedded: its start-up runs are awaited, so each CRL's nextUpdate run is armed) or, on REDIS_URL, one load here and
        // then the queue worker with a scheduler per partition. No admin server: the validator's /metrics shows the fetcher's
        // metrics too (below).
        const firstLoad = embedded === null ? await fetchOnce(config, writer, createLogger({ destination: logs, level: 'warn' })) : null;
        const fetcher = await startFetcher({ config, store: writer, dataLoss: opened.dataLoss, logger: fetcherLogger, adminPort: null });
        parts.add(() => fetcher.close());
        const reports = firstLoad?.reports ?? (await startupRuns(config, fetcher.scheduler));
        const failed = reports.filter((r) => r.outcome === 'failed' || r.outcome === 'rejected');
        io.stderr.write(
          `start: ${reports.length - failed.length}/${reports.length} CRL partitions loaded${
            failed.length
              ? ` (failed: ${failed
                  .slice(0, 10)
                  .map((r) => `${r.caId}/${r.partition}`)
                  .join(', ')}${failed.length > 10 ? ', …' : ''})`
              : ''
          }\n`,
        );
        let watchMetrics: Parameters<typeof shareMetrics>[0] | null = null;
        // the death-detection job when its events have somewhere to go (the demo has no watch sinks: `watch run` there)
        if (config.watch.sinks.length > 0) {
          const { startWatchJob, describeWatchSchedule } = await import('@jpki-validator/watcher');
          const watch = await startWatchJob({ config, store: writer, logger });
          parts.add(() => watch.close());
          watchMetrics = watch.metrics.registry;
          io.stderr.write(`start: watch job on (${describeWatchSchedule(config.watch)})\n`);
        }
        const running = await startValidator({
          config,
          logger,
          port: portOption(values.port, config.port),
          ...(demo ? { host: '127.0.0.1' } : {}),
          // not the validator's to close: the fetcher and the watch job use it until they have stopped
          ...(embedded ? { store: linkEmbedded(embedded, false) } : {}),
        });
        parts.add(() => running.close());
        // one /metrics, the validator's: the fetcher's and the watch job's metrics are registered in its registry too
        shareMetrics(fetcher.metrics.registry, running.metrics.registry);
        if (watchMetrics !== null) shareMetrics(watchMetrics, running.metrics.registry);
        // on stderr: stdout carries the logs (JSON lines when it is not a terminal)
        if (demo)
          io.stderr.write(
            `jpki-validator demo on ${running.url} — API docs at ${running.url}/docs, console at ${running.url}/console\n\n${demo.commands(running.url).join('\n\n')}\n\n`,
          );
        else io.stderr.write(`start: validator on ${running.url}\n`);
      } catch (error) {
        await parts.close();
        throw error;
      }
      await closeOnSignal(parts, logger);
      return EXIT.OK;
    } finally {
      await demo?.close();
    }
  },
};
