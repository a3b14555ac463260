/**
 * docs/cli.md's reference part, rendered from the CLI's own help: the command list of `jpki-validator --help`, each command's
 * `--help` (and each `sim` subcommand's), and the exit codes of @jpki-validator/errors.
 */
import { EXIT } from '@jpki-validator/errors';
import { table } from './markers.ts';

/** what each exit code tells a script; a code EXIT gains without a line here fails the docs test */
const EXIT_MEANING: Readonly<Record<keyof typeof EXIT, string>> = {
  OK: 'done (for `check`: no row matched `--fail-on`; for `cert verify` and `verify`: valid)',
  CHECK_FAILED: '`check`: a row matched `--fail-on`; `cert verify`, `verify`: not valid (revoked, expired, invalid, unknown)',
  BAD_INPUT: 'bad usage, or input unreadable or malformed as a whole: the message names the file, line, field or byte offset',
  UNAVAILABLE: 'data unavailable: the store is down, no CRL is loaded, every answer would be unknown for lack of data',
  INTERNAL: 'an internal fault (a bug): the message carries a stack trace to report',
};

/** the names listed under `heading:` in a help text (two-space indent, first word or words up to two spaces) */
export function listedNames(help: string, heading: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start === -1) return [];
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^ {2}(\S+(?: \S+)*?)(?: {2,}.*)?$/.exec(line);
    if (!m?.[1]) break;
    names.push(m[1]);
  }
  return names;
}

const fence = (text: string): string => `\`\`\`text\n${text.trimEnd()}\n\`\`\``;

/** `help(argv)` is what the binary prints on stdout for argv */
export async function renderCli(help: (argv: readonly string[]) => Promise<string>): Promise<string> {
  const top = await help(['--help']);
  const commands = listedNames(top, 'commands:');
  if (commands.length === 0) throw new Error('`jpki-validator --help` lists no commands');
  const out = [
    "Rendered from the binary's own `--help` texts. Run any command as `npx jpki-validator <command>` from the repository root",
    '(or `jpki-validator` once installed).',
    '',
    fence(top),
    '',
    '## Exit codes',
    '',
    table(
      ['code', 'meaning'],
      (Object.keys(EXIT) as (keyof typeof EXIT)[]).map((k) => [EXIT[k], EXIT_MEANING[k]]),
    ),
    '',
    '`crl inspect` exits 0 whenever it could parse the CRL and reports `usable: false` with `errors` (bad signature, unknown',
    'critical extension, indirect CRL, …); 2 only when it cannot parse it. A broken pipe (`check … | head`) ends quietly with 0.',
    '',
    '## Commands',
    '',
  ];
  for (const command of commands) {
    const text = await help([...command.split(' '), '--help']);
    out.push(`### \`${command}\``, '', fence(text), '');
    for (const sub of listedNames(text, 'subcommands:')) {
      out.push(`#### \`${command} ${sub}\``, '', fence(await help([...command.split(' '), sub, '--help'])), '');
    }
  }
  return out.join('\n');
}
