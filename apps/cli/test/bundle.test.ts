/**
 * The bundled start (scripts/bundle.mjs, bin/jpki-validator.js): the commands it serves load their whole module graph from the
 * bundle and answer exactly as from the unbundled build; the graph of each one holds nothing but this CLI, x509 and errors,
 * so no module that reads files beside itself or loads an addon is moved by bundling.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_COMMANDS } from '../src/bundled-commands.js';
import { BIN, ensureBuilt, PKITS, REPO } from './run-cli.js';

const run = promisify(execFile);
const DIST = join(REPO, 'apps/cli/dist');
const COMMAND_FILES: Readonly<Record<string, string>> = {
  'crl inspect': 'commands/crl-inspect.js',
  'cert inspect': 'commands/cert-inspect.js',
  'cert verify': 'commands/cert-verify.js',
};
const INLINED: Readonly<Record<string, string>> = {
  '@jpki-validator/x509': join(REPO, 'packages/x509/dist/index.js'),
  '@jpki-validator/errors': join(REPO, 'packages/errors/dist/index.js'),
};

/** every static import reachable from `file`, by path; bare specifiers other than node: and the inlined workspaces are returned */
function graph(file: string, seen = new Set<string>(), outside = new Set<string>()): Set<string> {
  if (seen.has(file)) return outside;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
    const spec = (m[1] ?? m[2]) as string;
    if (spec.startsWith('node:')) continue;
    if (spec.startsWith('.')) graph(resolve(dirname(file), spec), seen, outside);
    else if (INLINED[spec] !== undefined) graph(INLINED[spec] as string, seen, outside);
    else outside.add(spec);
  }
  return outside;
}

/** a preload that prints every file module loaded */
const LOAD_LOGGER = `data:text/javascript,${encodeURIComponent(
  "import m from 'node:module'; m.registerHooks({ resolve(s, c, n) { const r = n(s, c); if (r.url.startsWith('file:')) process.stderr.write('LOADED ' + r.url + '\\n'); return r; } });",
)}`;

const loadedFiles = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED '))
    .map((l) => l.slice('LOADED '.length));

/** `openssl ca -gencrl` over `entries` revoked serials, as DER in `dir` (with the CA as ca.pem); returns the CRL's file name */
async function largeOpensslCrl(dir: string, entries: number): Promise<string> {
  const opts = { cwd: dir, maxBuffer: 64 * 1024 * 1024 };
  await run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      '-subj',
      '/CN=bundle test CA',
    ].concat(['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']),
    opts,
  );
  const cnf = [
    '[ ca ]',
    'default_ca = t',
    '[ t ]',
    'database = index.txt',
    'crlnumber = crlnumber',
    'default_md = sha256',
    'default_crl_days = 30',
    '',
  ];
  await writeFile(join(dir, 'openssl.cnf'), cnf.join('\n'));
  const lines: string[] = [];
  for (let i = 0; i < entries; i++)
    lines.push(`R\t301231235959Z\t250101000000Z,keyCompromise\t${(0x10000000 + i).toString(16).toUpperCase()}\tunknown\t/CN=h${i}\n`);
  await writeFile(join(dir, 'index.txt'), lines.join(''));
  await writeFile(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
  await writeFile(join(dir, 'crlnumber'), '01\n');
  await run('openssl', ['ca', '-gencrl', '-config', 'openssl.cnf', '-keyfile', 'ca.key', '-cert', 'ca.pem', '-out', 'crl.pem'], opts);
  await run('openssl', ['crl', '-in', 'crl.pem', '-outform', 'DER', '-out', 'crl.der'], opts);
  return 'crl.der';
}

beforeAll(async () => {
  await ensureBuilt();
});

describe('bundled start', () => {
  it('lists a command file for every bundled command, each importing only the CLI, x509 and errors', () => {
    expect(Object.keys(COMMAND_FILES).sort()).toEqual([...BUNDLED_COMMANDS].sort());
    for (const command of BUNDLED_COMMANDS) {
      const file = join(DIST, COMMAND_FILES[command] as string);
      expect([...graph(file)], `${command} imports from outside the bundle`).toEqual([]);
    }
    expect([...graph(join(DIST, 'bundled-main.js'))]).toEqual([]);
  });

  it('serves crl inspect from the bundle, with the output of the unbundled build', async () => {
    expect(existsSync(join(DIST, 'bundle/main.js'))).toBe(true);
    const crl = `${PKITS}/crls/GoodCACRL.crl`;
    const ca = `${PKITS}/certs/GoodCACert.crt`;
    const bundled = await run(process.execPath, ['--import', LOAD_LOGGER, BIN, 'crl', 'inspect', crl, '--ca', ca], { cwd: REPO });
    const loaded = loadedFiles(bundled.stderr);
    expect(loaded.length).toBeGreaterThan(0);
    for (const line of loaded) expect(line).toMatch(/apps\/cli\/(bin\/|dist\/bundle\/|dist\/bundled-commands\.js)/);
    const unbundled = await run(process.execPath, [join(DIST, 'main.js'), 'crl', 'inspect', crl, '--ca', ca], { cwd: REPO });
    expect(bundled.stdout).toBe(unbundled.stdout);
    expect(JSON.parse(bundled.stdout).signature).toBe('valid');
  });

  it('hashes a large CRL on its own thread (no worker started, even on an idle machine), with the verdict of the unbundled build', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jpki-cli-bundle-'));
    try {
      const crl = await largeOpensslCrl(dir, 240_000);
      expect(statSync(join(dir, crl)).size).toBeGreaterThan(8 * 1024 * 1024);
      // a preload that makes the machine look idle: the command used to start a hashing thread then, which measured slower
      const idle = `data:text/javascript,${encodeURIComponent(
        "import os from 'node:os'; import { syncBuiltinESMExports } from 'node:module'; os.loadavg = () => [0, 0, 0]; syncBuiltinESMExports();",
      )}`;
      const args = ['crl', 'inspect', crl, '--ca', 'ca.pem'];
      const bundled = await run(process.execPath, ['--import', idle, '--import', LOAD_LOGGER, BIN, ...args], { cwd: dir });
      const loaded = loadedFiles(bundled.stderr);
      expect(loaded.some((l) => l.endsWith('apps/cli/dist/bundle/main.js'))).toBe(true);
      expect(loaded.some((l) => l.includes('verify-worker'))).toBe(false);
      const summary = JSON.parse(bundled.stdout) as { signature: string; entries: number };
      expect(summary).toMatchObject({ signature: 'valid', entries: 240_000 });
      const unbundled = await run(process.execPath, [join(DIST, 'main.js'), ...args], { cwd: dir });
      expect(bundled.stdout).toBe(unbundled.stdout);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('leaves other commands to the unbundled build', async () => {
    const result = await run(process.execPath, ['--import', LOAD_LOGGER, BIN, '--version'], { cwd: REPO });
    const loaded = loadedFiles(result.stderr);
    expect(loaded.some((l) => l.endsWith('apps/cli/dist/main.js'))).toBe(true);
    expect(loaded.some((l) => l.includes('/dist/bundle/'))).toBe(false);
  });
});
