#!/usr/bin/env node
// Committed launcher so npm can link the bin before the TypeScript is built.
// Node's compile cache (22.1+) keeps V8's compiled code of every module between runs (in the OS temp directory, outside the
// repository): a command's start-up then skips most of its parse and compile time.
// The commands of dist/bundled-commands.js start from one bundled file (scripts/bundle.mjs), when it is built: resolving and
// loading some eighty modules one by one is most of their start-up. Every other command starts from dist/main.js.
import { existsSync } from 'node:fs';
import module from 'node:module';

module.enableCompileCache?.();
const [first, second] = process.argv.slice(2);
const bundle = new URL('../dist/bundle/main.js', import.meta.url);
const { BUNDLED_COMMANDS } = await import('../dist/bundled-commands.js');
if (BUNDLED_COMMANDS.includes(`${first} ${second}`) && existsSync(bundle)) await import(bundle.href);
else await import('../dist/main.js');
