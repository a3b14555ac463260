import { settleNextTickShape } from '@jpki-validator/validator/tick-shape';
import { runCli } from './cli.js';
import type { CliIo } from './io.js';

// first, before any command opens a connection (services/validator/src/tick-shape.ts)
settleNextTickShape();
const io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
process.exitCode = await runCli(process.argv.slice(2), io);
