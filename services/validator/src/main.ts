/**
 * The validator as a process: config, connections, listen, signals. SIGTERM/SIGINT drain in-flight requests and close Redis; a
 * second signal does not wait.
 */
import { loadConfig } from '@jpki-validator/config';
import { exitCodeFor, failureText } from '@jpki-validator/errors';
import { type DestinationStream, pino, type Logger } from 'pino';
import { startValidator, type RunningValidator, type StartValidatorOptions } from './server.js';

/** The service's logger (pino JSON on stdout unless given another destination), named so `start`'s parts can be told apart. */
export function createValidatorLogger(level = 'info', destination?: DestinationStream): Logger {
  return destination === undefined ? pino({ name: 'jpki-validator', level }) : pino({ name: 'jpki-validator', level }, destination);
}

/** Closes `running` on the first SIGTERM or SIGINT; resolves when it is closed. */
export function closeOnSignal(running: { close(): Promise<void> }, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      running.close().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exitCode = exitCodeFor(error);
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

export async function runValidator(options: Partial<StartValidatorOptions> & { configFile?: string } = {}): Promise<RunningValidator> {
  const logger = options.logger ?? createValidatorLogger(process.env.LOG_LEVEL ?? 'info');
  const config = options.config ?? loadConfig({ file: options.configFile });
  const running = await startValidator({ ...options, config, logger });
  void closeOnSignal(running, logger);
  return running;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  runValidator().catch((error: unknown) => {
    process.stderr.write(`jpki-validator: ${failureText(error)}\n`);
    process.exitCode = exitCodeFor(error);
  });
}
