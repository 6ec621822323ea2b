import { describeEveryBrokenLink } from '@accord/audit/testing/broken-links.suite';
import { postgresEventTable } from '@accord/audit/testing/event-tables';
import { describeTamperCases, type StoreWithTable } from '@accord/audit/testing/tamper.suite';
import { PostgresEventStore } from '@accord/event-store-postgres';
import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';

/** The tamper cases on PostgreSQL: each test in its own schema, dropped afterwards. */
describeWithPostgres('audit on PostgreSQL', () => {
  const open = async (): Promise<StoreWithTable> => {
    const schema = testSchemaName();
    const store = await PostgresEventStore.open(TEST_PG_URL, { schema });
    const table = await postgresEventTable(TEST_PG_URL, schema);
    return {
      store,
      workerUrl: `${TEST_PG_URL}?schema=${schema}`,
      table,
      async dispose() {
        await table.close();
        await store.close();
        await dropTestSchema(schema);
      },
    };
  };
  describeTamperCases('PostgreSQL', open);
  describeEveryBrokenLink('PostgreSQL', open);
});
