/**
 * `npm run docs`: renders the generated parts of docs/api.md, cli.md, config.md and metrics.md from the product itself (the
 * OpenAPI document, the CLI's help, the config schemas, the metric registries). `--check` writes nothing and exits 1 when a
 * file is out of date (test/docs-generated.test.ts checks the same in `npm test`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withGenerated } from './docs/markers.ts';
import { generatedDocs } from './docs/render.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
for (const doc of generatedDocs(join(root, 'apps/cli/bin/jpki-validator.js'))) {
  const path = join(root, doc.file);
  const before = await readFile(path, 'utf8').catch(() => '');
  const after = withGenerated(before, doc.name, await doc.render());
  if (after === before) continue;
  stale++;
  if (check) console.error(`${doc.file} is out of date: run npm run docs`);
  else {
    await writeFile(path, after);
    console.error(`wrote ${doc.file}`);
  }
}
process.exitCode = check && stale > 0 ? 1 : 0;
