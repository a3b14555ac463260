import { runAuditStoreCases } from './audit-store.cases.js';
import { databaseFor } from './helpers.js';

runAuditStoreCases('embedded SQLite (node:sqlite)', {
  database: (dir) => databaseFor('sqlite', dir),
  cleanup: async () => undefined,
});
