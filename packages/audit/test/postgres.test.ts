import { runAuditStoreCases } from './audit-store.cases.js';
import { databaseFor, dropSchema } from './helpers.js';

runAuditStoreCases('PostgreSQL (partitioned by month)', {
  database: (dir) => databaseFor('postgres', dir),
  cleanup: async (database) => {
    if (database.kind === 'postgres') await dropSchema(database.url, database.schema);
  },
});
