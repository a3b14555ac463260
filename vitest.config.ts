import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the TypeScript sources of every workspace (no build needed for unit tests);
// tests that run the CLI binary use the built output that `npm test` builds first.
export default defineConfig({
  resolve: {
    alias: {
      '@jpki-validator/x509': src('./packages/x509/src/index.ts'),
      '@jpki-validator/sim': src('./packages/sim/src/index.ts'),
      '@jpki-validator/store': src('./packages/store/src/index.ts'),
      '@jpki-validator/config': src('./packages/config/src/index.ts'),
      '@jpki-validator/status': src('./packages/status/src/index.ts'),
      '@jpki-validator/watch': src('./packages/watch/src/index.ts'),
    },
  },
  test: {
    include: ['{packages,services,apps,bench}/*/{src,test}/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
