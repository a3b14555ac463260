import { EXIT, exitCodeFor, failureText } from '@jpki-validator/errors';
import { readFileSync } from 'node:fs';
import type { CliIo, Command } from './io.js';
import { UsageError } from './errors.js';
import { didYouMean } from './suggest.js';

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

const NAMES = Object.keys(COMMANDS);
/** `crl`, `cert`, `watch`: the first words of two-word commands */
const GROUPS = [...new Set(NAMES.filter((n) => n.includes(' ')).map((n) => n.slice(0, n.indexOf(' '))))];
const HELP = new Set(['--help', '-h', 'help']);

function usage(): string {
  return [
    'usage: jpki-validator <command> [options]',
    '',
    'commands:',
    ...NAMES.map((c) => `  ${c}`),
    '',
    "Run `jpki-validator <command> --help` for a command's options; `jpki-validator --version` for the version.",
  ].join('\n');
}

/** a group's subcommands with their one-line summaries (loads the group's command modules) */
async function groupUsage(group: string): Promise<string> {
  const names = NAMES.filter((n) => n.startsWith(`${group} `));
  const summaries = await Promise.all(
    names.map(async (n) => (await (COMMANDS[n] as () => Promise<{ command: Command }>)()).command.summary),
  );
  const width = Math.max(...names.map((n) => n.length - group.length - 1));
  return [
    `usage: jpki-validator ${group} <subcommand> [options]`,
    '',
    'subcommands:',
    ...names.map((n, i) => `  ${n.slice(group.length + 1).padEnd(width)}  ${summaries[i]}`),
    '',
    `Run \`jpki-validator ${group} <subcommand> --help\` for its options.`,
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Finds the longest command name that prefixes argv (`crl inspect` before `crl`). */
function resolve(argv: string[]): { name: string; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    if (argv.length >= words && name in COMMANDS) return { name, rest: argv.slice(words) };
  }
  return undefined;
}

/** `check … | head`: the reader had what it wanted and went away */
const isBrokenPipe = (error: unknown): boolean => typeof error === 'object' && error !== null && 'code' in error && error.code === 'EPIPE';

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || HELP.has(first)) {
    io.stdout.write(`${usage()}\n`);
    return first === undefined ? EXIT.BAD_INPUT : EXIT.OK;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    io.stdout.write(`jpki-validator ${version()}\n`);
    return EXIT.OK;
  }
  try {
    const found = resolve(argv);
    if (!found) {
      if (GROUPS.includes(first)) {
        if (second === undefined || HELP.has(second)) {
          io.stdout.write(`${await groupUsage(first)}\n`);
          return second === undefined ? EXIT.BAD_INPUT : EXIT.OK;
        }
        const subcommands = NAMES.filter((n) => n.startsWith(`${first} `)).map((n) => n.slice(first.length + 1));
        throw new UsageError(`unknown ${first} subcommand "${second}"${didYouMean(second, subcommands)}\n\n${await groupUsage(first)}`);
      }
      throw new UsageError(
        `unknown command "${first}"${didYouMean(first, [...NAMES.filter((n) => !n.includes(' ')), ...GROUPS])}\n\n${usage()}`,
      );
    }
    const load = COMMANDS[found.name];
    if (!load) throw new UsageError(`unknown command "${found.name}"`);
    const { command } = await load();
    return await command.run(found.rest, io);
  } catch (error) {
    if (isBrokenPipe(error)) return EXIT.OK;
    io.stderr.write(`jpki-validator: ${failureText(error)}\n`);
    return exitCodeFor(error);
  }
}
