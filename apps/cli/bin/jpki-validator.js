#!/usr/bin/env node
// Committed launcher so npm can link the bin before the TypeScript is built.
// Node's compile cache (22.1+) keeps V8's compiled code of every module between runs (in the OS temp directory, outside the
// repository): a command's start-up then skips most of its parse and compile time.
import module from 'node:module';

module.enableCompileCache?.();
await import('../dist/main.js');
