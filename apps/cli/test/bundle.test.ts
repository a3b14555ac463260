/**
 * The bundled start (scripts/bundle.mjs, bin/jpki-validator.js): the commands it serves load their whole module graph from the
 * bundle and answer exactly as from the unbundled build; the graph of each one holds nothing but this CLI, x509 and errors,
 * so no module that reads files beside itself or loads an addon is moved by bundling.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

  it('leaves other commands to the unbundled build', async () => {
    const result = await run(process.execPath, ['--import', LOAD_LOGGER, BIN, '--version'], { cwd: REPO });
    const loaded = loadedFiles(result.stderr);
    expect(loaded.some((l) => l.endsWith('apps/cli/dist/main.js'))).toBe(true);
    expect(loaded.some((l) => l.includes('/dist/bundle/'))).toBe(false);
  });
});
