import { InputError, UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import type { CliIo, Command } from '../io.js';
import { booleanFlag, parseListArgs } from './list-args.js';
import { issue, revoke, status } from './sim-certs.js';
import { DEFAULT_SIM_DIR, type SimSubcommand } from './sim-common.js';
import { advance, crl, info } from './sim-crl.js';
import { init } from './sim-init.js';
import { serve } from './sim-serve.js';

const SUBCOMMANDS: Readonly<Record<string, SimSubcommand>> = { init, issue, revoke, crl, advance, serve, status, info };

function usage(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((n) => n.length));
  return [
    'usage: jpki-validator sim <subcommand> [--dir D] [options]',
    '',
    'A JPKI-like CA simulator (not J-LIS): CAs in several generations, certificates, a seeded revocation population, full /',
    `delta / partition CRLs of millions of entries, CRL and OCSP serving. State lives in --dir (default ${DEFAULT_SIM_DIR}).`,
    '',
    'subcommands:',
    ...Object.entries(SUBCOMMANDS).map(([name, sub]) => `  ${name.padEnd(width)}  ${sub.summary}`),
    '',
    'Run `jpki-validator sim <subcommand> --help` for its options. Typical session:',
    '  jpki-validator sim init --dir ./sim --population 100000',
    '  jpki-validator sim issue --dir ./sim --ca jpki-sign',
    '  jpki-validator sim revoke --dir ./sim --ca jpki-sign --serial 7186A0 --reason affiliationChanged',
    '  jpki-validator sim crl --dir ./sim --ca jpki-sign --out full.crl',
    '  jpki-validator sim serve --dir ./sim --port 8081',
    '',
    'National layout (1,741 municipal partitions, ~30 M signature entries; --population 70000 for ~20 a partition):',
    '  jpki-validator sim init --dir ./nat --layout national',
    '  jpki-validator sim crl --dir ./nat --ca jpki-sign --all-partitions --out-dir ./nat-crls',
    '  jpki-validator sim serve --dir ./nat --port 8081   # partitions listed in ./nat/partitions/jpki-sign-2023.json',
  ].join('\n');
}

/**
 * The simulator's errors carry their own codes (SIM_*): a caller's mistake (unknown CA, bad option, serial out of range) is a
 * UsageError and a missing or broken state directory an InputError here, so both exit 2 with the simulator's message.
 */
function asCliError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null || !('code' in error) || typeof error.code !== 'string' || !error.code.startsWith('SIM_'))
    return error;
  const message = error instanceof Error ? error.message : String(error);
  return error.code.startsWith('SIM_STATE_') ? new InputError(message, { cause: error }) : new UsageError(message, { cause: error });
}

export const command: Command = {
  summary: 'the JPKI-like CA simulator: init, issue, revoke, crl, advance, serve, status, info',
  async run(argv: string[], io: CliIo): Promise<number> {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(`${usage()}\n`);
      return name === undefined ? EXIT.BAD_INPUT : EXIT.OK;
    }
    const sub = SUBCOMMANDS[name];
    if (sub === undefined) throw new UsageError(`unknown sim subcommand ${JSON.stringify(name)}\n\n${usage()}`);
    const args = parseListArgs(rest, sub.options, sub.usage);
    if (booleanFlag(args.values, 'help')) {
      io.stdout.write(`${sub.usage}\n`);
      return EXIT.OK;
    }
    try {
      return await sub.run(args, io);
    } catch (error) {
      throw asCliError(error);
    }
  },
};
