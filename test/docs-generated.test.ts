/**
 * The generated parts of docs/ are what the product says today: each file's part between its markers is rendered again (from the
 * OpenAPI document, the built binary's --help, the config schemas, the metric registries) and must match the file. When it
 * does not, `npm run docs` brings it up to date.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../apps/cli/test/run-cli.js';
import { listedNames } from '../scripts/docs/cli-md.ts';
import { withGenerated } from '../scripts/docs/markers.ts';
import { generatedDocs } from '../scripts/docs/render.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'apps/cli/bin/jpki-validator.js');

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

describe('generated docs', () => {
  for (const doc of generatedDocs(BIN)) {
    it(`${doc.file} is up to date (npm run docs)`, async () => {
      const text = readFileSync(join(ROOT, doc.file), 'utf8');
      expect(text).toContain(`<!-- generated:${doc.name} begin`);
      // a hand-written introduction precedes every generated part
      expect(text.slice(0, text.indexOf('<!-- generated:')).trim().length).toBeGreaterThan(200);
      expect(withGenerated(text, doc.name, await doc.render()), `${doc.file} is out of date: run npm run docs`).toBe(text);
    });
  }

  it('the staleness check does see a change', () => {
    const text =
      'intro\n\n<!-- generated:x begin (npm run docs; edit the text outside the markers) -->\n\nold\n\n<!-- generated:x end -->\n\nafter\n';
    expect(withGenerated(text, 'x', 'old')).toBe(text);
    expect(withGenerated(text, 'x', 'new')).toBe(text.replace('old', 'new'));
  });

  it('reads the command lists of the help texts', () => {
    expect(listedNames('usage: x\n\ncommands:\n  crl inspect\n  check\n\nRun it', 'commands:')).toEqual(['crl inspect', 'check']);
    expect(listedNames('subcommands:\n  init     create a simulator\n  crl      write a CRL\n', 'subcommands:')).toEqual(['init', 'crl']);
  });
});
