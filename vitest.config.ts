import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Workspace imports → their TypeScript sources, matched exactly (a prefix match would turn `x/once` into `x/src/index.ts/once`). */
const WORKSPACES: Record<string, string> = {
  '@jpki-validator/errors': './packages/errors/src/index.ts',
  '@jpki-validator/files': './packages/files/src/index.ts',
  '@jpki-validator/x509': './packages/x509/src/index.ts',
  '@jpki-validator/sim': './packages/sim/src/index.ts',
  '@jpki-validator/store': './packages/store/src/index.ts',
  '@jpki-validator/config': './packages/config/src/index.ts',
  '@jpki-validator/status': './packages/status/src/index.ts',
  '@jpki-validator/audit': './packages/audit/src/index.ts',
  '@jpki-validator/audit/testing': './packages/audit/src/testing/private-postgres.ts',
  '@jpki-validator/watch': './packages/watch/src/index.ts',
  '@jpki-validator/watcher': './services/watcher/src/index.ts',
  '@jpki-validator/crl-fetcher': './services/crl-fetcher/src/index.ts',
  '@jpki-validator/crl-fetcher/once': './services/crl-fetcher/src/once.ts',
  '@jpki-validator/validator': './services/validator/src/index.ts',
  '@jpki-validator/validator/tick-shape': './services/validator/src/tick-shape.ts',
};

// Tests run against the TypeScript sources of every workspace (no build needed for unit tests);
// tests that run the CLI binary use the built output that `npm test` builds first.
export default defineConfig({
  resolve: {
    alias: Object.entries(WORKSPACES).map(([name, path]) => ({
      find: new RegExp(`^${name.replace(/[/.]/g, '\\$&')}$`),
      replacement: src(path),
    })),
  },
  test: {
    include: ['{packages,services,apps,bench}/*/{src,test}/**/*.test.ts', 'bench/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
