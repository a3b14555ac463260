import { loadConfig } from '@jpki-validator/config';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import type { CliIo, Command } from '../io.js';
import { logDestination } from '../log-destination.js';

const USAGE = `usage: jpki-validator serve [--port N] [--host HOST] [--config FILE] [--drain-delay SECONDS]

The validator API (GET /v1/status/{issuer}/{serial}, POST /v1/status/batch, POST /v1/validate, POST /v1/verify,
POST /v1/challenges, /v1/issuers, /readyz, /metrics, /docs) on REDIS_URL when set, else on the embedded store in the data directory. Stops gracefully on SIGTERM/SIGINT.

options:
  --port N        listen port (default PORT, else 8080; 0 any free port)
  --host HOST     listen address (default 0.0.0.0)
  --config FILE   the config file (else JPKI_VALIDATOR_CONFIG)
  --drain-delay S on SIGTERM, keep serving S seconds with /readyz 503 before draining (default 0): time for a load
                  balancer that polls /readyz to stop routing here (HAProxy: its check interval × fall)`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  config: { type: 'string' },
  'drain-delay': { type: 'string' },
} as const;

function secondsOption(name: string, text: string | undefined): number {
  if (text === undefined) return 0;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 600)
    throw new UsageError(`--${name}: "${text}" is not a number of seconds (0-600)`);
  return seconds;
}

export function portOption(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: "${text}" is not a port number`);
  return port;
}

export const command: Command = {
  summary: 'validator API (--port, default 8080)',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, USAGE);
    if (values.help === true) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError(`serve takes no positional arguments\n\n${USAGE}`);
    const config = loadConfig({ file: values.config, env: io.env, cwd: io.cwd });
    const { startValidator, closeOnSignal, createValidatorLogger } = await import('@jpki-validator/validator');
    const logger = createValidatorLogger(io.env.LOG_LEVEL ?? 'info', await logDestination(io));
    const running = await startValidator({
      config,
      logger,
      port: portOption(values.port, config.port),
      drainDelayMs: Math.round(secondsOption('drain-delay', values['drain-delay']) * 1000),
      ...(values.host ? { host: values.host } : {}),
    });
    io.stderr.write(`serve: validator on ${running.url} (docs ${running.url}/docs); stop with SIGTERM\n`);
    await closeOnSignal(running, logger);
    return EXIT.OK;
  },
};
