import { validatePath, type CrlInput } from '@jpki-validator/x509';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import { writeJsonLine, type CliIo, type Command } from '../io.js';
import { readCertificateFile, readInputFile } from './input-files.js';
import { booleanFlag, listFlag, parseListArgs, timeFlag } from './list-args.js';

const USAGE = `usage: jpki-validator cert verify FILE --trust ROOT… [--chain CERT…] [--crl FILE…] [--at TIME]

Path validation with full CRL checking, like \`openssl verify -crl_check_all\`. Prints one JSON object:
  {result: "valid"|"revoked"|"expired"|"not_yet_valid"|"invalid"|"unknown", errors: [{code, message, depth}], chain, revocation}
depth counts from the certificate (0) to the trust anchor. Every certificate below the anchor needs a CRL in scope, or the
result is "unknown" (fail closed).

options (repeat a flag or list several files after it; FILE goes first):
  --trust ROOT…   trusted root certificates (PEM or DER); JPKI generations share a name and are told apart by key
  --chain CERT…   intermediate certificates, in any order
  --crl FILE…     CRLs (PEM or DER), full or delta; the validator picks those in scope
  --at TIME       validation time, RFC 3339 (default: now)

Exit 0 only for "valid"; 1 for any other result; 2 when an input cannot be read or parsed.`;

const OPTIONS = {
  trust: { type: 'string', multiple: true },
  chain: { type: 'string', multiple: true },
  crl: { type: 'string', multiple: true },
  at: { type: 'string' },
} as const;

export const command: Command = {
  summary: 'validate a certificate path against trusted roots and CRLs',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseListArgs(argv, OPTIONS, USAGE);
    if (booleanFlag(values, 'help')) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    const [file, ...extra] = positionals;
    if (file === undefined || extra.length > 0) throw new UsageError(`cert verify takes one FILE (before the options)\n\n${USAGE}`);
    const trustFiles = listFlag(values, 'trust');
    if (trustFiles.length === 0) throw new UsageError(`cert verify needs at least one --trust ROOT\n\n${USAGE}`);
    const at = timeFlag(values, 'at');

    // Parsed here so that a bad file is named in the error (exit 2).
    const cert = (f: string, what: string) => readCertificateFile(f, io.cwd, what);
    const target = await cert(file, 'certificate');
    const trustAnchors = await Promise.all(trustFiles.map((f) => cert(f, 'trusted certificate')));
    const intermediates = await Promise.all(listFlag(values, 'chain').map((f) => cert(f, 'chain certificate')));
    // validatePath takes whole CRLs (it keeps only the entries of the path's serials); it names a malformed one by its label.
    const crls: CrlInput[] = await Promise.all(
      listFlag(values, 'crl').map(async (f) => ({ bytes: await readInputFile(f, io.cwd, 'CRL'), label: f })),
    );

    const validation = validatePath(target, { trustAnchors, intermediates, crls, ...(at ? { time: at } : {}) });
    await writeJsonLine(io.stdout, {
      result: validation.result,
      errors: validation.errors.map(({ code, message, depth }) => ({ code, message, depth })),
      chain: validation.chain.map((c) => ({ subject: c.subject.text, serial: c.serialHex })),
      revocation: validation.revocation,
    });
    return validation.result === 'valid' ? EXIT.OK : EXIT.CHECK_FAILED;
  },
};
