import { settleNextTickShape } from '@jpki-validator/validator/tick-shape';
import { EXIT } from '@jpki-validator/errors';
import { runCli } from './cli.js';
import type { CliIo } from './io.js';

// first, before any command opens a connection (services/validator/src/tick-shape.ts)
settleNextTickShape();
// A reader that went away (`check … | head`, `crl inspect --entries | head -1`) had what it wanted: end at once, quietly, with 0
// (the command may be waiting for a 'drain' that a closed pipe never sends).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.OK);
  throw error;
});
const io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
process.exitCode = await runCli(process.argv.slice(2), io);
