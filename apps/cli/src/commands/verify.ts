import type { SignedItemInput, VerifyInput, VerifyPurpose } from '@jpki-validator/status';
import { STATUS_MODES, type StatusMode } from '@jpki-validator/status';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import { writeJsonLine, type CliIo, type Command } from '../io.js';
import { readInputFile } from './input-files.js';
import { parseHexDigest, readSignatureFile } from './signature-files.js';
import { openVerifyContext } from './verify-context.js';

const USAGE = `usage: jpki-validator verify --cert FILE --signature FILE (--data FILE | --digest HEX) [options]
       jpki-validator verify --cert FILE --item DATA_FILE:SIGNATURE_FILE … [options]
       jpki-validator verify --cms FILE [--data FILE | --digest HEX] [--cert FILE] [options]
       jpki-validator verify --cert FILE --signature FILE --challenge-id ID [options]

What the card signed, judged in one call, as POST /v1/verify answers it (one JSON object): the signature(s), the signer
certificate's validation (chain to a configured CA, validity, revocation with reason and meaning, kind) and whether its kind fits
the purpose. Reads the same store as \`serve\` (REDIS_URL, else the data directory), so challenges issued by \`challenge\` or by
POST /v1/challenges are accepted here, once.

options:
  --cert FILE          the signer certificate, PEM or DER (optional with --cms when the message carries it)
  --signature FILE     a signature: raw bytes (openssl dgst -sign, pkeyutl) or base64 text
  --data FILE          the signed document (also a detached CMS signature's content)
  --digest HEX         the document's digest instead of the document (sha256sum output works)
  --item D:S           one of several documents: document file D, signature file S (repeat the flag)
  --algorithm NAME     rsa-pkcs1-sha256 (default for RSA: what the card produces), rsa-pss-sha256, ecdsa-sha256, …-sha384, …-sha512
  --cms FILE           a CMS SignedData (openssl cms -sign -outform DER or PEM), attached or detached
  --challenge-id ID    a login: the signature is over that challenge's nonce (single use)
  --purpose P          document (needs a signature certificate) or login (an authentication certificate); default: login with
                       --challenge-id, else document
  --at TIME            judge revocation as of this RFC 3339 time (a signing time you vouch for); default now
  --mode MODE          ${STATUS_MODES.join(' | ')}
  --show-personal      include the JPKI 4 basic details of a signature certificate
  --config FILE        the config file (else JPKI_VALIDATOR_CONFIG)

Exit 0 when the result is valid; 1 when it is invalid or unknown; 2 for input that cannot be judged; 3 when the store is
unavailable.`;

const OPTIONS = {
  cert: { type: 'string' },
  signature: { type: 'string' },
  data: { type: 'string' },
  digest: { type: 'string' },
  item: { type: 'string', multiple: true },
  algorithm: { type: 'string' },
  cms: { type: 'string' },
  'challenge-id': { type: 'string' },
  purpose: { type: 'string' },
  at: { type: 'string' },
  mode: { type: 'string' },
  'show-personal': { type: 'boolean' },
  config: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

async function itemsOf(values: Values, cwd: string): Promise<SignedItemInput[]> {
  const algorithm = values.algorithm === undefined ? {} : { algorithm: values.algorithm };
  if (values.item !== undefined) {
    if (values.signature !== undefined || values.data !== undefined || values.digest !== undefined)
      throw new UsageError('--item replaces --signature, --data and --digest');
    return Promise.all(
      values.item.map(async (spec, i) => {
        const colon = spec.lastIndexOf(':');
        if (colon <= 0 || colon === spec.length - 1) throw new UsageError(`--item ${i + 1}: expected DATA_FILE:SIGNATURE_FILE`);
        return {
          id: spec.slice(0, colon),
          data: await readInputFile(spec.slice(0, colon), cwd, 'document'),
          signature: await readSignatureFile(spec.slice(colon + 1), cwd),
          ...algorithm,
        };
      }),
    );
  }
  if (values.cms !== undefined) {
    if (values.signature !== undefined) throw new UsageError('--signature: not with --cms (the message holds its signature)');
    return [];
  }
  if (values.signature === undefined) throw new UsageError(`give --signature, --item or --cms\n\n${USAGE}`);
  const signature = await readSignatureFile(values.signature, cwd);
  if (values['challenge-id'] !== undefined) {
    if (values.data !== undefined || values.digest !== undefined)
      throw new UsageError('--challenge-id: the signature is over the challenge nonce; no --data or --digest');
    return [{ signature, ...algorithm }];
  }
  if ((values.data === undefined) === (values.digest === undefined)) throw new UsageError('give one of --data and --digest');
  return [
    {
      ...(values.data !== undefined ? { data: await readInputFile(values.data, cwd, 'document') } : {}),
      ...(values.digest !== undefined ? { digest: parseHexDigest(values.digest) } : {}),
      signature,
      ...algorithm,
    },
  ];
}

function timeOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--at: "${text}" is not an RFC 3339 time such as 2026-10-01T03:00:00Z`);
  return ms;
}

export const command: Command = {
  summary: 'verify what a card signed: signatures, CMS messages or a login challenge answer, with the signer certificate',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, USAGE);
    if (values.help === true) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError(`verify takes no positional arguments\n\n${USAGE}`);
    if (values.purpose !== undefined && values.purpose !== 'document' && values.purpose !== 'login')
      throw new UsageError('--purpose: document or login');
    if (values.mode !== undefined && !(STATUS_MODES as readonly string[]).includes(values.mode))
      throw new UsageError(`--mode: one of ${STATUS_MODES.join(', ')}`);
    const items = await itemsOf(values, io.cwd);
    const inCms = values.cms !== undefined;
    const atMs = timeOption(values.at);
    const input: VerifyInput = {
      certificate: values.cert === undefined ? null : await readInputFile(values.cert, io.cwd, 'certificate'),
      cms: inCms ? await readInputFile(values.cms ?? '', io.cwd, 'CMS message') : null,
      cmsContent:
        inCms && values.data !== undefined
          ? { data: await readInputFile(values.data, io.cwd, 'document') }
          : inCms && values.digest !== undefined
            ? { digest: parseHexDigest(values.digest) }
            : null,
      items,
      itemsListed: values.item !== undefined,
      challengeId: values['challenge-id'] ?? null,
      purpose: (values.purpose as VerifyPurpose | undefined) ?? null,
      check: { ...(atMs !== undefined ? { atMs } : {}), ...(values.mode !== undefined ? { mode: values.mode as StatusMode } : {}) },
      // the operator holds the certificate file: the flag is the permission, as with `cert inspect --show-personal`
      personal: { requested: values['show-personal'] === true, allowed: true },
      owner: null,
    };
    const { verifySigned } = await import('@jpki-validator/status');
    const context = await openVerifyContext(values.config, io);
    try {
      const report = await verifySigned({ resolver: context.resolver, challenges: context.challenges }, input);
      await writeJsonLine(io.stdout, report);
      return report.result === 'valid' ? EXIT.OK : EXIT.CHECK_FAILED;
    } finally {
      await context.close();
    }
  },
};
