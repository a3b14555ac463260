/**
 * `openssl ocsp` as the OCSP benchmark's responder and peer: an index (openssl's CA database) of the benchmark's serials, the
 * responder on a loopback port signing with the CA key, and a fixed OCSP request made by openssl itself for autocannon to send
 * straight at the responder. No `-nmin`/`-ndays`: answers carry no nextUpdate, so the validator may never cache them (RFC 6960
 * §4.2.2.1) and every status request is a live OCSP query.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { BenchSerial } from './api-serials.js';

const run = promisify(execFile);

export interface OpensslResponder {
  url: string;
  pid: number;
  commandLine: string;
  stop(): Promise<void>;
}

/** reasons openssl's index accepts without extra fields; anything else is written as keyCompromise (the answer's reason is not measured) */
const OPENSSL_REASONS = new Set(['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation']);

/**
 * openssl's index.txt: `V|R <tab> expiry <tab> revocation[,reason] <tab> serial hex <tab> unknown <tab> subject`. Subjects are
 * unique: openssl refuses an index whose valid entries share one (unique_subject defaults to yes without an index.txt.attr).
 */
export async function writeOpensslIndex(file: string, serials: readonly BenchSerial[], now = new Date()): Promise<void> {
  const t = (d: Date): string => `${d.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`;
  const expiry = t(new Date(now.getTime() + 365 * 86_400_000));
  const revokedAt = t(new Date(now.getTime() - 86_400_000));
  const lines = serials.map((s) => {
    const hex = s.serial.length % 2 ? `0${s.serial}` : s.serial;
    if (s.status === 'good') return `V\t${expiry}\t\t${hex}\tunknown\t/CN=bench-${hex}\n`;
    const reason = s.reason !== null && OPENSSL_REASONS.has(s.reason) ? s.reason : 'keyCompromise';
    return `R\t${expiry}\t${revokedAt},${reason}\t${hex}\tunknown\t/CN=bench-${hex}\n`;
  });
  await writeFile(file, lines.join(''));
}

export async function startOpensslResponder(args: {
  index: string;
  caCert: string;
  caKey: string;
  cwd: string;
}): Promise<OpensslResponder> {
  const argv = [
    'ocsp',
    '-index',
    args.index,
    '-port',
    '0',
    '-CA',
    args.caCert,
    '-rsigner',
    args.caCert,
    '-rkey',
    args.caKey,
    '-ignore_err',
  ];
  const child = spawn('openssl', argv, { cwd: args.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((accept, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /ACCEPT .*:(\d+)/.exec(out);
      if (m?.[1]) accept(Number(m[1]));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`openssl ocsp exited ${code}: ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    commandLine: ['openssl', ...argv].join(' '),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One OCSP request (no nonce) for `serialHex`, made by `openssl ocsp -reqout`; returns its DER and the command. */
export async function opensslOcspRequest(args: {
  caCert: string;
  serialHex: string;
  out: string;
  cwd: string;
}): Promise<{ der: Buffer; commandLine: string }> {
  const argv = ['ocsp', '-issuer', args.caCert, '-serial', `0x${args.serialHex}`, '-no_nonce', '-reqout', args.out];
  await run('openssl', argv, { cwd: args.cwd });
  return { der: await readFile(resolve(args.cwd, args.out)), commandLine: ['openssl', ...argv].join(' ') };
}

/** Asks the responder once with openssl's own client and returns its verdict line (`<serial>: good|revoked|unknown`). */
export async function opensslOcspQuery(args: { url: string; caCert: string; serialHex: string; cwd: string }): Promise<string> {
  const { stdout } = await run(
    'openssl',
    ['ocsp', '-issuer', args.caCert, '-CAfile', args.caCert, '-serial', `0x${args.serialHex}`, '-url', args.url, '-no_nonce'],
    { cwd: args.cwd },
  );
  return stdout.trim().split('\n')[0] ?? '';
}
