import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresEventTable, sqliteEventTable } from '@accord/audit/testing/event-tables';
import { PostgresEventStore } from '@accord/event-store-postgres';
import {
  describeWithPostgres,
  dropTestSchema,
  testSchemaName,
  TEST_PG_URL,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { PostgresDb, SqliteDb } from '@accord/sql';
import { describeTreeTamperCases } from './testing/tree-tamper.suite';

describeTreeTamperCases('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'accord-tree-tamper-'));
  const file = join(dir, 'accord.db');
  const store = await SqliteEventStore.open(file);
  const db = new SqliteDb(file);
  const table = sqliteEventTable(file);
  return {
    store,
    db,
    table,
    async dispose() {
      await table.close();
      await db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeWithPostgres('the log tree against tampering on PostgreSQL', () => {
  describeTreeTamperCases('PostgreSQL', async () => {
    const schema = testSchemaName();
    const store = await PostgresEventStore.open(TEST_PG_URL, { schema });
    const db = new PostgresDb(TEST_PG_URL, { schema });
    const table = await postgresEventTable(TEST_PG_URL, schema);
    return {
      store,
      db,
      table,
      async dispose() {
        await table.close();
        await db.close();
        await store.close();
        await dropTestSchema(schema);
      },
    };
  });
});
