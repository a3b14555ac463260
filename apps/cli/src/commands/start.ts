/**
 * `jpki-validator start` (what `npm start` runs): fetcher and validator in one process, on REDIS_URL when set, else the embedded
 * store. With no config it first starts the JPKI-like simulator (data under `.jpki-validator/demo`), publishing CRLs and OCSP on
 * loopback, configures three CAs from it, and prints curl commands for a good, a revoked (affiliationChanged) and an
 * OCSP-answered certificate.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from '@jpki-validator/config';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-code.js';
import type { CliIo, Command } from '../io.js';
import { portOption } from './serve.js';

const USAGE = `usage: jpki-validator start [--port N] [--config FILE]

Loads every configured CRL, then serves the validator API (PORT, default 8080). Without a config: a demo on the built-in
simulator (state in .jpki-validator/demo), with three curl commands to try. Stops gracefully on SIGTERM/SIGINT.`;

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
  const sim = await openSimulator(join(dir, 'sim')).catch(() => initSimulator({ dir: join(dir, 'sim'), populationPerCa: 10_000, partitions: 2 }));
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
      { id: 'jpki-auth-2023', group: 'jpki-auth', caCert: sim.caCertificatePath('jpki-auth-2023'), ocsp: { url: sim.ocspUrl() }, mode: 'ocsp-only' },
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
      const [{ startValidator, closeOnSignal, linkEmbedded, createValidatorLogger }, { fetchOnce, createLogger }, { createRedisStore, openEmbeddedStore }] = await Promise.all([
        import('@jpki-validator/validator'),
        import('@jpki-validator/crl-fetcher/once'),
        import('@jpki-validator/store'),
      ]);
      const logger = createValidatorLogger(io.env.LOG_LEVEL ?? 'info');
      // the fetcher's first pass fills the store before the validator answers; the embedded store is shared in process
      const embedded = config.redisUrl ? null : await openEmbeddedStore({ dataDir: config.dataDir });
      const writer = embedded ?? createRedisStore({ redis: config.redisUrl ?? '' });
      const { reports } = await fetchOnce(config, writer, createLogger({ destination: io.stderr, level: 'warn' }));
      const failed = reports.filter((r) => r.outcome === 'failed');
      io.stderr.write(`start: ${reports.length - failed.length}/${reports.length} CRL partitions loaded${failed.length ? ` (failed: ${failed.map((r) => `${r.caId}/${r.partition}`).join(', ')})` : ''}\n`);
      if (embedded === null) await writer.close();
      const running = await startValidator({
        config,
        logger,
        port: portOption(values.port, config.port),
        ...(demo ? { host: '127.0.0.1' } : {}),
        ...(embedded ? { store: linkEmbedded(embedded, true) } : {}),
      });
      if (demo) io.stdout.write(`jpki-validator demo on ${running.url} — API docs at ${running.url}/docs\n\n${demo.commands(running.url).join('\n\n')}\n\n`);
      else io.stderr.write(`start: validator on ${running.url}\n`);
      await closeOnSignal(running, logger);
      return EXIT.OK;
    } finally {
      await demo?.close();
    }
  },
};
