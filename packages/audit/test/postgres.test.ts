import { afterAll, beforeAll } from 'vitest';
import { runAuditStoreCases } from './audit-store.cases.js';
import { databaseFor, dropSchema, testPostgres } from './helpers.js';

let postgres: Awaited<ReturnType<typeof testPostgres>>;
beforeAll(async () => {
  postgres = await testPostgres();
});
afterAll(() => postgres?.stop());

runAuditStoreCases('PostgreSQL (partitioned by month)', {
  database: (dir) => databaseFor('postgres', dir, postgres.url),
  cleanup: async (database) => {
    if (database.kind === 'postgres') await dropSchema(database.url, database.schema);
  },
});
