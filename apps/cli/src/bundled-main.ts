/**
 * The entry of the bundle (scripts/bundle.mjs): main.ts for the commands in bundled-commands.ts, which open no connection, so
 * the nextTick shape (main.ts) has nothing to guard and its module is not loaded.
 */
import { EXIT } from '@jpki-validator/errors';
import { runCli } from './cli.js';
import type { CliIo } from './io.js';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.OK);
  throw error;
});
const io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
process.exitCode = await runCli(process.argv.slice(2), io);
