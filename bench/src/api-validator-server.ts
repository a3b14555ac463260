// The validator as deployed on Redis, in its own process: startValidator (services/validator/src/server.ts) with the config file,
// its in-memory replica of the store's current generation under REDIS_PREFIX, pino at LOG_LEVEL (default warn), no API keys (so
// no rate limit). The OCSP spend cap is lifted to 10^9 queries a minute, so the OCSP benchmark measures the responder path and not
// the cap; every other OCSP setting is the service's default. Prints {"url":…} once the replica has loaded; SIGTERM drains and
// closes it (and lets `node --cpu-prof` write its profile).
// Usage: [LOG_LEVEL=warn] node dist/api-validator-server.js CONFIG_FILE REDIS_PREFIX [REDIS_URL]
import { loadConfig } from '@jpki-validator/config';
import { startValidator } from '@jpki-validator/validator';
import { pino } from 'pino';
import { arg } from './lib/child-report.js';

const configFile = arg(0, 'config file');
const redisPrefix = arg(1, 'Redis key prefix');
const redisUrl = process.argv[4] ?? 'redis://127.0.0.1:6379';
const logger = pino({ name: 'jpki-validator', level: process.env.LOG_LEVEL ?? 'warn' });
// env given explicitly: API_KEYS or PORT from the bench's environment must not change what is measured
const config = loadConfig({ file: configFile, env: { REDIS_URL: redisUrl } });
const running = await startValidator({ config, logger, redisPrefix, port: 0, host: '127.0.0.1', ocsp: { maxQueriesPerMinute: 1e9 } });

for (let waited = 0; !running.store.available(); waited += 50) {
  if (waited > 120_000) throw new Error('the Redis replica did not load within 120 s');
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write(`${JSON.stringify({ url: running.url, issuers: config.issuers.map((i) => i.id) })}\n`);

process.once('SIGTERM', () => {
  running.close().then(
    // --cpu-prof writes on exit: give a stray handle a second, then leave
    () => setTimeout(() => process.exit(0), 1_000).unref(),
    (error: unknown) => {
      process.stderr.write(`close failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
});
