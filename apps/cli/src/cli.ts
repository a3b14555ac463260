import { EXIT, exitCodeFor, failureText } from '@jpki-validator/errors';
import type { CliIo, Command } from './io.js';
import { UsageError } from './errors.js';

/** Commands load lazily: `crl inspect` should not pay for hono or bullmq at start-up. */
const COMMANDS: Readonly<Record<string, () => Promise<{ command: Command }>>> = {
  'crl inspect': () => import('./commands/crl-inspect.js'),
  'cert inspect': () => import('./commands/cert-inspect.js'),
  'cert verify': () => import('./commands/cert-verify.js'),
  check: () => import('./commands/check.js'),
  sim: () => import('./commands/sim.js'),
  serve: () => import('./commands/serve.js'),
  start: () => import('./commands/start.js'),
  'watch import': () => import('./commands/watch-import.js'),
  'watch rotate': () => import('./commands/watch-rotate.js'),
  'watch run': () => import('./commands/watch-run.js'),
  'watch events': () => import('./commands/watch-events.js'),
  fetch: () => import('./commands/fetch.js'),
  verify: () => import('./commands/verify.js'),
  challenge: () => import('./commands/challenge.js'),
  'audit export': () => import('./commands/audit-export.js'),
  'audit delete': () => import('./commands/audit-delete.js'),
  'audit purge': () => import('./commands/audit-purge.js'),
};

function usage(): string {
  return [
    'usage: jpki-validator <command> [options]',
    '',
    'commands:',
    ...Object.keys(COMMANDS).map((c) => `  ${c}`),
    '',
    "Run `jpki-validator <command> --help` for a command's options.",
  ].join('\n');
}

/** Finds the longest command name that prefixes argv (`crl inspect` before `crl`). */
function resolve(argv: string[]): { name: string; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    if (argv.length >= words && name in COMMANDS) return { name, rest: argv.slice(words) };
  }
  return undefined;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(`${usage()}\n`);
    return argv.length === 0 ? EXIT.BAD_INPUT : EXIT.OK;
  }
  const found = resolve(argv);
  try {
    if (!found) throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}"\n\n${usage()}`);
    const load = COMMANDS[found.name];
    if (!load) throw new UsageError(`unknown command "${found.name}"`);
    const { command } = await load();
    return await command.run(found.rest, io);
  } catch (error) {
    io.stderr.write(`jpki-validator: ${failureText(error)}\n`);
    return exitCodeFor(error);
  }
}
