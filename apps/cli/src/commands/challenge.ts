import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import { writeJsonLine, type CliIo, type Command } from '../io.js';
import { openVerifyContext } from './verify-context.js';

const USAGE = `usage: jpki-validator challenge [--ttl SECONDS] [--config FILE]

Issues a single-use login challenge, as POST /v1/challenges does, in the same store (REDIS_URL, else the data directory):
  {challengeId, nonce (base64: the bytes to sign with the authentication key), expiresAt}
Answer it with \`jpki-validator verify --cert FILE --signature FILE --challenge-id ID\` or POST /v1/verify.

options:
  --ttl SECONDS   lifetime, 1–3600 (default 300)
  --config FILE   the config file (else JPKI_VALIDATOR_CONFIG)`;

const OPTIONS = { ttl: { type: 'string' }, config: { type: 'string' } } as const;

export const command: Command = {
  summary: 'issue a single-use login challenge (a nonce to sign with the authentication certificate)',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, USAGE);
    if (values.help === true) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError(`challenge takes no positional arguments\n\n${USAGE}`);
    const ttlSeconds = values.ttl === undefined ? undefined : Number(values.ttl);
    if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds >= 1 && ttlSeconds <= 3_600))
      throw new UsageError('--ttl: whole seconds from 1 to 3600');
    const { formatTime } = await import('@jpki-validator/x509');
    const context = await openVerifyContext(values.config, io);
    try {
      const issued = await context.challenges.issue({ ...(ttlSeconds !== undefined ? { ttlSeconds } : {}), owner: null });
      await writeJsonLine(io.stdout, {
        challengeId: issued.challengeId,
        nonce: Buffer.from(issued.nonce).toString('base64'),
        expiresAt: formatTime(new Date(issued.expiresAtMs)),
      });
      return EXIT.OK;
    } finally {
      await context.close();
    }
  },
};
