// The bundled start of the commands whose every module is this CLI's, @jpki-validator/x509's or @jpki-validator/errors'
// (src/bundled-commands.ts): one file read and compiled instead of some eighty resolved and loaded one by one, which is most of
// what `crl inspect` pays before it reads a byte (bench/RESULTS.md). Run after `tsc -b` (npm run build); writes dist/bundle/.
// Nothing from node_modules is inlined but those two workspaces: a module that reads files beside itself, or loads a native
// addon, would break when moved — bin/jpki-validator.js sends every other command to the unbundled dist/main.js.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const INLINED = new Set(['@jpki-validator/x509', '@jpki-validator/errors']);
const out = here('../dist/bundle');

await rm(out, { recursive: true, force: true });
const bundle = await rolldown({
  // no hashing thread: the bundled commands hash on their own thread (crl-inspect.ts says why)
  input: { main: here('../dist/bundled-main.js') },
  platform: 'node',
  external: (id) => id.startsWith('node:') || (!id.startsWith('.') && !id.startsWith('/') && !INLINED.has(id)),
  onwarn(warning, warn) {
    // x509 loads pkijs and @noble/curves through createRequire on first use: they stay outside, as intended
    if (warning.code === 'UNRESOLVED_IMPORT') return;
    warn(warning);
  },
});
await bundle.write({ dir: out, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: true });
await bundle.close();
