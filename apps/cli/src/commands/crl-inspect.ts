import type { KeyObject } from 'node:crypto';
import { scanCrl, X509Error, type CrlHeader, type ParsedCertificate } from '@jpki-validator/x509';
import { InputError, UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import { writeJsonLine, type CliIo, type Command } from '../io.js';
import { summariseCrl, type InspectProblem } from './crl-summary.js';
import { EntryLineWriter, flushingBetweenChunks, isBrokenPipe } from './entry-lines.js';
import { openCrlSource, readCertificateFile } from './input-files.js';
import { booleanFlag, parseListArgs, stringFlag } from './list-args.js';

const USAGE = `usage: jpki-validator crl inspect FILE_OR_URL [--ca CERT] [--entries]

Reads a CRL (DER or PEM, a file or an http(s) URL) as a stream and prints one JSON summary line:
  {issuer, number, deltaOf, idp, thisUpdate, nextUpdate, entries, reasons, signature, usable, errors, version,
   signatureAlgorithm, authorityKeyIdentifier, freshestCrl, extensions, bytes}

options:
  --ca CERT    the issuing CA's certificate (PEM or DER): check the CRL's signature ("valid" | "invalid"; else "not_checked")
  --entries    first write one JSON line per entry {serial, revokedAt, reason, invalidityDate}, then the summary line

Exit 0 whenever the CRL could be parsed (even when usable is false); 2 when it cannot be read or parsed (the message names the
byte offset and field).`;

/*
 * The tbsCertList is hashed on this thread, beside the walk. Hashing on a worker thread (the scanner's hashOnWorkerFromBytes) was
 * measured on a quiet 2-core machine (2026-12-03 11:38Z, bench/RESULTS.md "crl inspect"): no faster at 5 M entries (431–508 ms
 * inline, 464–633 ms on the worker), slower at 1 M (104–146 vs 148–190 ms), and 20–50 % more CPU either way: the copy into the
 * worker's ring costs what the second core saves. The fetcher, which hashes many CRLs at once, decides for itself.
 */

const OPTIONS = {
  ca: { type: 'string' },
  entries: { type: 'boolean' },
} as const;

export const command: Command = {
  summary: 'summarise a CRL (streamed), optionally listing every entry as JSON lines',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseListArgs(argv, OPTIONS, USAGE);
    if (booleanFlag(values, 'help')) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    const [source, ...extra] = positionals;
    if (source === undefined || extra.length > 0) throw new UsageError(`crl inspect takes one FILE_OR_URL\n\n${USAGE}`);

    const caFile = stringFlag(values, 'ca');
    const ca = caFile === undefined ? undefined : await readCertificateFile(caFile, io.cwd, 'CA certificate');
    const issuerKey = ca === undefined || caFile === undefined ? undefined : caKey(ca, caFile);

    const writer = booleanFlag(values, 'entries') ? new EntryLineWriter(io.stdout) : undefined;
    let header: CrlHeader | undefined;
    const chunks = await openCrlSource(source, io.cwd);
    try {
      const scan = await scanCrl(writer ? flushingBetweenChunks(chunks, writer) : chunks, {
        ...(issuerKey ? { issuerKey } : {}),
        ...(writer ? { onEntry: writer.add } : {}),
        onHeader: (h) => {
          header = h;
        },
      }).catch((error: unknown) => {
        if (error instanceof X509Error) throw new InputError(`malformed CRL ${source}: ${error.message}`, { cause: error });
        throw error;
      });
      await writer?.flush();
      const problems = ca && header ? caProblems(ca, header) : [];
      await writeJsonLine(io.stdout, summariseCrl(scan, problems));
    } catch (error) {
      if (isBrokenPipe(error)) return EXIT.OK;
      throw error;
    }
    return EXIT.OK;
  },
};

function caKey(ca: ParsedCertificate, file: string): KeyObject {
  if (ca.publicKey === null)
    throw new InputError(`CA certificate ${file}: its public key cannot be used (${ca.publicKeyError ?? 'unsupported'})`);
  return ca.publicKey;
}

/**
 * What the CA certificate says about this CRL beyond the signature: the CRL issuer must be the CA's subject (RFC 5280 §6.3.3 (b)),
 * and a CA whose keyUsage lacks cRLSign may not sign CRLs (§4.2.1.3).
 */
function caProblems(ca: ParsedCertificate, header: CrlHeader): InspectProblem[] {
  const problems: InspectProblem[] = [];
  if (!sameBytes(ca.subject.der, header.issuer.der)) {
    problems.push({
      code: 'ISSUER_NAME_MISMATCH',
      message: `CRL issuer "${header.issuer.text}" is not the CA's subject "${ca.subject.text}"`,
    });
  }
  if (ca.keyUsage !== null && !ca.keyUsage.cRLSign) {
    problems.push({ code: 'CA_NOT_CRL_SIGNER', message: `the CA certificate's keyUsage does not allow cRLSign` });
  }
  return problems;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
