import { copyFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { LeafKeyChoice } from '@jpki-validator/sim';
import { formatTime, parseCertificate } from '@jpki-validator/x509';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import { writeJsonLine } from '../io.js';
import { listFlag, numberFlag, stringFlag, timeFlag, type ListArgs } from './list-args.js';
import { DIR_OPTION, DIR_USAGE, describeStatus, given, openSim, reasonFlag, requiredFlag, type SimSubcommand } from './sim-common.js';

const ISSUE_USAGE = `usage: jpki-validator sim issue --ca ID [--dir D] [options]

Issues JPKI-profile leaf certificates (signature certificates carry fictional 4 basic details) and prints one JSON line per
certificate: {caId, serial, partition, notBefore, notAfter, file}. The PEM is kept in <dir>/issued/<ca>/<serial>.pem.

options:
${DIR_USAGE}
  --ca ID            CA id (jpki-sign-2023) or group (jpki-sign: its newest generation)
  --serial HEX       serial (default: the CA's next); one inside the seeded population re-issues that certificate
  --count N          issue N certificates with consecutive serials (default 1)
  --key K            shared (default: one RSA key made at init), rsa (a fresh RSA-2048 key) or ec (a fresh P-256 key)
  --not-before TIME  default: the earlier of now and the generation's time, minus an hour
  --not-after TIME   default: notBefore + 5 years
  --out FILE         also write the certificate PEM here (with --count 1 only)
  --key-out FILE     also write the leaf's private key (PKCS#8 PEM) here (with --count 1 only)`;

const KEYS: readonly LeafKeyChoice[] = ['shared', 'rsa', 'ec'];

export const issue: SimSubcommand = {
  summary: 'issue leaf certificates',
  usage: ISSUE_USAGE,
  options: {
    ...DIR_OPTION,
    ca: { type: 'string' },
    serial: { type: 'string' },
    count: { type: 'string' },
    key: { type: 'string' },
    'not-before': { type: 'string' },
    'not-after': { type: 'string' },
    out: { type: 'string' },
    'key-out': { type: 'string' },
  },
  async run(args, io) {
    const ca = requiredFlag(args, 'ca', ISSUE_USAGE);
    const count = numberFlag(args.values, 'count', { integer: true, min: 1 }) ?? 1;
    const keyText = stringFlag(args.values, 'key');
    const key = KEYS.find((k) => k === keyText);
    if (keyText !== undefined && key === undefined) throw new UsageError(`--key ${JSON.stringify(keyText)}: one of ${KEYS.join(', ')}`);
    const out = stringFlag(args.values, 'out');
    const keyOut = stringFlag(args.values, 'key-out');
    if (count > 1 && (out !== undefined || keyOut !== undefined)) throw new UsageError('--out and --key-out need --count 1');
    const notBefore = timeFlag(args.values, 'not-before');
    const notAfter = timeFlag(args.values, 'not-after');
    const sim = await openSim(args, io);
    let serial: number | string | undefined = stringFlag(args.values, 'serial');
    for (let i = 0; i < count; i++) {
      const cert = await sim.issueCertificate({
        ca,
        ...given('serial', serial),
        ...given('key', key),
        ...given('notBefore', notBefore),
        ...given('notAfter', notAfter),
      });
      if (out !== undefined) await copyFile(cert.file, resolve(io.cwd, out));
      if (keyOut !== undefined) await writeFile(resolve(io.cwd, keyOut), cert.privateKeyPem, { mode: 0o600 });
      const parsed = parseCertificate(cert.der);
      await writeJsonLine(io.stdout, {
        caId: cert.caId,
        serial: cert.serial,
        partition: cert.partition,
        notBefore: formatTime(parsed.notBefore),
        notAfter: formatTime(parsed.notAfter),
        file: cert.file,
        ...(out === undefined ? {} : { out: resolve(io.cwd, out) }),
        ...(keyOut === undefined ? {} : { keyOut: resolve(io.cwd, keyOut) }),
      });
      if (serial !== undefined) serial = cert.serialNumber + 1;
    }
    return EXIT.OK;
  },
};

const REVOKE_USAGE = `usage: jpki-validator sim revoke --ca ID --serial HEX… [--dir D] [options]

Records revocations in the current generation (they override the seeded population) and prints each serial's status as a JSON
line: {caId, serial, status, reason, revokedAt, invalidityDate}.

options:
${DIR_USAGE}
  --ca ID                 CA id or group
  --serial HEX…           one or more serials (repeat the flag or list several)
  --reason R              RFC 5280 reason name (default unspecified); removeFromCRL lifts a certificateHold
  --revoked-at TIME       default: a minute before the current generation's thisUpdate
  --invalidity-date TIME  optional invalidityDate entry extension`;

export const revoke: SimSubcommand = {
  summary: 'revoke certificates',
  usage: REVOKE_USAGE,
  options: {
    ...DIR_OPTION,
    ca: { type: 'string' },
    serial: { type: 'string', multiple: true },
    reason: { type: 'string' },
    'revoked-at': { type: 'string' },
    'invalidity-date': { type: 'string' },
  },
  async run(args, io) {
    const ca = requiredFlag(args, 'ca', REVOKE_USAGE);
    const serials = serialsOf(args, REVOKE_USAGE);
    const reason = reasonFlag(args, 'reason');
    const revokedAt = timeFlag(args.values, 'revoked-at');
    const invalidityDate = timeFlag(args.values, 'invalidity-date');
    const sim = await openSim(args, io);
    for (const serial of serials) {
      const status = await sim.revoke({
        ca,
        serial,
        ...given('reason', reason),
        ...given('revokedAt', revokedAt),
        ...given('invalidityDate', invalidityDate),
      });
      await writeJsonLine(io.stdout, describeStatus(status));
    }
    return EXIT.OK;
  },
};

const STATUS_USAGE = `usage: jpki-validator sim status --ca ID --serial HEX… [--dir D]

Prints each serial's status in the current generation, as the simulator's OCSP responder answers it, one JSON line each:
{caId, serial, status: good|revoked|unknown, reason, revokedAt, invalidityDate}.`;

export const status: SimSubcommand = {
  summary: "a serial's status in the current generation",
  usage: STATUS_USAGE,
  options: { ...DIR_OPTION, ca: { type: 'string' }, serial: { type: 'string', multiple: true } },
  async run(args, io) {
    const ca = requiredFlag(args, 'ca', STATUS_USAGE);
    const serials = serialsOf(args, STATUS_USAGE);
    const sim = await openSim(args, io);
    for (const serial of serials) await writeJsonLine(io.stdout, describeStatus(sim.status(ca, serial)));
    return EXIT.OK;
  },
};

function serialsOf(args: ListArgs, usage: string): string[] {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}\n\n${usage}`);
  const serials = listFlag(args.values, 'serial');
  if (serials.length === 0) throw new UsageError(`missing --serial\n\n${usage}`);
  return serials;
}
