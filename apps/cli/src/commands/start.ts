/**
 * `jpki-validator start` (what `npm start` runs): fetcher and validator in one process, on REDIS_URL when set, else the embedded
 * store. Every CRL is loaded before the validator answers and kept current after by the fetcher's own scheduler (or queue worker);
 * with watch sinks configured the death-detection job runs beside them (services/watcher `startWatchJob`). With no config it first starts the JPKI-like simulator (data under `.jpki-validator/demo`), publishing CRLs and OCSP on
 * loopback, configures three CAs from it, and prints curl commands for a good, a revoked (affiliationChanged) and an
 * OCSP-answered certificate.
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
import { logDestination } from '../log-destination.js';

const USAGE = `usage: jpki-validator start [--port N] [--config FILE]

Loads every configured CRL, then serves the validator API (PORT, default 8080) while the fetcher keeps the CRLs current on each
issuer's refresh schedule (in process, or as a BullMQ worker with REDIS_URL). With watch sinks configured it also runs the
death-detection job (after every CRL switch and on watch.schedule). Without a config: a demo on the built-in simulator (state
in .jpki-validator/demo; no watch job), with three curl commands to try. Stops gracefully on SIGTERM/SIGINT.`;

const OPTIONS = { port: { type: 'string' }, config: { type: 'string' } } as const;

interface Demo {
  configFile: string;
  commands: (baseUrl: string) => string[];
  close(): Promise<void>;
}

/** The simulator as a demo J-LIS: CRLs over HTTP for the sign CAs, OCSP only for the 2023 auth CA. */
async function startDemo(cwd: string): Promise<Demo> {
  const { initSimulator, openSimulator } = await import('@jpki-validator/sim');
  const dir = resolve(cwd, '.jpki-validator', 'demo');
  await mkdir(dir, { recursive: true });
  const sim = await openSimulator(join(dir, 'sim')).catch(() =>
    initSimulator({ dir: join(dir, 'sim'), populationPerCa: 10_000, partitions: 2 }),
  );
  const server = await sim.serve({ port: 0 });
  await sim.setBaseUrl(server.url);
  const good = await sim.issueCertificate({ ca: 'jpki-sign-2023' });
  const dead = await sim.issueCertificate({ ca: 'jpki-sign-2023' });
  await sim.revoke({ ca: 'jpki-sign-2023', serial: dead.serial, reason: 'affiliationChanged' });
  const viaOcsp = await sim.issueCertificate({ ca: 'jpki-auth-2023' });
  const crlIssuer = (ca: string, group: string) => ({
    id: ca,
    group,
    caCert: sim.caCertificatePath(ca),
    crls: sim.partitionNames(ca).map((p) => ({ name: p, source: sim.crlUrl(ca, p) })),
    ocsp: { url: sim.ocspUrl() },
  });
  const config = {
    issuers: [
      crlIssuer('jpki-sign-2023', 'jpki-sign'),
      crlIssuer('jpki-sign-2015', 'jpki-sign'),
      // no CRL configured: every answer comes from the OCSP responder
      {
        id: 'jpki-auth-2023',
        group: 'jpki-auth',
        caCert: sim.caCertificatePath('jpki-auth-2023'),
        ocsp: { url: sim.ocspUrl() },
        mode: 'ocsp-only',
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
      `# revoked (affiliationChanged → death_or_emigration):\ncurl -s ${base}/v1/status/jpki-sign/${dead.serial}`,
      `# answered by OCSP:\ncurl -s ${base}/v1/status/jpki-auth-2023/${viaOcsp.serial}`,
    ],
    close: () => server.close(),
  };
}

/** The scheduler's start-up run of every configured partition (joined, not repeated), as `fetchOnce` would report them. */
async function startupRuns(config: Config, scheduler: InProcessScheduler | null): Promise<PartitionReport[]> {
  if (scheduler === null) return [];
  const runs = config.issuers.flatMap((issuer) => issuer.partitions.map((p) => scheduler.runNow(issuer.id, p.name)));
  return (await Promise.all(runs)).filter((r): r is PartitionReport => r !== null);
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
        { fetchOnce, createLogger, startFetcher },
        { createRedisStore, openEmbeddedStore },
      ] = await Promise.all([import('@jpki-validator/validator'), import('@jpki-validator/crl-fetcher'), import('@jpki-validator/store')]);
      const logger = createValidatorLogger(io.env.LOG_LEVEL ?? 'info', await logDestination(io));
      // the store is shared in process by the fetcher, the watch job and the validator (embedded), or is Redis's
      const embedded = config.redisUrl ? null : await openEmbeddedStore({ dataDir: config.dataDir });
      const writer = embedded ?? createRedisStore({ redis: config.redisUrl ?? '' });
      const parts = new Closer();
      parts.add(() => writer.close());
      try {
        // every CRL is loaded before the validator answers, and kept current after: the fetcher's in-process scheduler
        // (embedded: its start-up runs are awaited, so each CRL's nextUpdate run is armed) or, on REDIS_URL, one load here and
        // then the queue worker with a scheduler per partition. No admin server: the validator serves /metrics.
        const fetcherLogger = logger.child({ component: 'crl-fetcher' });
        const firstLoad =
          embedded === null
            ? await fetchOnce(config, writer, createLogger({ destination: await logDestination(io), level: 'warn' }))
            : null;
        const fetcher = await startFetcher({ config, store: writer, logger: fetcherLogger, adminPort: null });
        parts.add(() => fetcher.close());
        const reports = firstLoad?.reports ?? (await startupRuns(config, fetcher.scheduler));
        const failed = reports.filter((r) => r.outcome === 'failed' || r.outcome === 'rejected');
        io.stderr.write(
          `start: ${reports.length - failed.length}/${reports.length} CRL partitions loaded${failed.length ? ` (failed: ${failed.map((r) => `${r.caId}/${r.partition}`).join(', ')})` : ''}\n`,
        );
        // the death-detection job when its events have somewhere to go (the demo has no watch sinks: `watch run` there)
        if (config.watch.sinks.length > 0) {
          const { startWatchJob, describeWatchSchedule } = await import('@jpki-validator/watcher');
          const watch = await startWatchJob({ config, store: writer, logger });
          parts.add(() => watch.close());
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
        // on stderr: stdout carries the logs (JSON lines when it is not a terminal)
        if (demo)
          io.stderr.write(
            `jpki-validator demo on ${running.url} — API docs at ${running.url}/docs\n\n${demo.commands(running.url).join('\n\n')}\n\n`,
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
