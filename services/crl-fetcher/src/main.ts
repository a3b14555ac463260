/**
 * The fetcher as its own process (`node services/crl-fetcher/dist/main.js`): config, connections, worker, admin server; a
 * graceful stop on SIGTERM/SIGINT (the running load finishes or aborts without a trace, the queue and Redis close).
 */
import { loadConfig } from '@jpki-validator/config';
import { exitCodeFor } from '@jpki-validator/errors';
import { startFetcher } from './fetcher.js';
import { createLogger } from './logger.js';
import { waitForSignal } from './shutdown.js';

const logger = createLogger();
try {
  const fetcher = await startFetcher({ config: loadConfig(), logger });
  const signal = await waitForSignal();
  logger.info({ signal }, 'shutdown requested');
  await fetcher.close();
} catch (error) {
  logger.fatal({ err: error }, 'CRL fetcher cannot run');
  process.exitCode = exitCodeFor(error);
}
