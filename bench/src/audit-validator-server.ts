// The validator with its audit history off, embedded (SQLite) or on PostgreSQL, in its own process, for bench/src/audit-bench.ts:
// the CRL file loaded into an in-memory embedded store (the same data every variant), startValidator with CONFIG_FILE (whose
// `audit:` section, or its absence, picks the variant; AUDIT_DATABASE_URL from the environment for PostgreSQL), pino at LOG_LEVEL
// (default warn), no API keys. Prints {"url":…} when ready. On SIGUSR2 it waits until the journal is shipped, counts the records in
// the database and writes {"recorded":N,"drained":…,"drainMs":…} to REPORT_FILE (the driver then stops it with SIGTERM).
// Usage: [AUDIT_DATABASE_URL=…] node dist/audit-validator-server.js CONFIG_FILE CRL_FILE CA_ID REPORT_FILE
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { loadConfig } from '@jpki-validator/config';
import { openEmbeddedStore } from '@jpki-validator/store';
import { linkEmbedded, startValidator } from '@jpki-validator/validator';
import { scanCrl, serialFromDer } from '@jpki-validator/x509';
import { pino } from 'pino';
import { arg } from './lib/child-report.js';

const configFile = arg(0, 'config file');
const crlFile = arg(1, 'CRL file');
const caId = arg(2, 'CA id');
const reportFile = arg(3, 'report file');
const logger = pino({ name: 'jpki-validator', level: process.env.LOG_LEVEL ?? 'warn' });
const config = loadConfig({
  file: configFile,
  env: process.env.AUDIT_DATABASE_URL ? { AUDIT_DATABASE_URL: process.env.AUDIT_DATABASE_URL } : {},
});

const store = await openEmbeddedStore();
const loader = await store.beginLoad({ caId, partition: 'full', source: crlFile });
const scanned = await scanCrl(createReadStream(crlFile), {
  onEntry: (e) => {
    if (e.serialNumber >= 0 && e.serialNumber < 2 ** 32) loader.add(e.serialNumber, e.reason, e.revocationDate, e.invalidityDate);
    else loader.addLong(serialFromDer(e.buf, e.serialStart, e.serialEnd), e.reason, e.revocationDate, e.invalidityDate);
  },
});
await loader.commit({
  crlNumber: scanned.crlNumber ?? 0n,
  thisUpdateMs: scanned.header.thisUpdate.getTime(),
  nextUpdateMs: scanned.header.nextUpdate?.getTime() ?? null,
  isDelta: false,
});
const running = await startValidator({ config, logger, store: linkEmbedded(store, true), port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url: running.url, audit: config.audit?.database.kind ?? 'off' })}\n`);

process.once('SIGUSR2', () => {
  void (async () => {
    const t0 = performance.now();
    const { recorder, sink } = running.audit.app;
    const drained = recorder === null ? true : await recorder.log.drain(600_000);
    const drainMs = performance.now() - t0;
    const recorded = sink === null ? 0 : await sink.count({});
    await writeFile(reportFile, JSON.stringify({ recorded, drained, drainMs }));
  })().catch((error: unknown) => {
    process.stderr.write(`report failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
});

process.once('SIGTERM', () => {
  running.close().then(
    () => setTimeout(() => process.exit(0), 500).unref(),
    (error: unknown) => {
      process.stderr.write(`close failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
});
