import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { Client } from 'pg';
import { describeWitnessSuite } from './support/witness-suite';

const schemaOf = (url: string) => new URL(url).searchParams.get('schema')!;

/** The parties' witnesses against the API on PostgreSQL, each test in its own schema, which the operator rewrites with pg. */
describeWithPostgres('witnesses on PostgreSQL', () => {
  describeWitnessSuite('PostgreSQL', {
    url: () => `${TEST_PG_URL}?schema=${testSchemaName()}`,
    async open(url) {
      const client = new Client({ connectionString: TEST_PG_URL });
      await client.connect();
      const table = (name: string) => `"${schemaOf(url)}".${name}`;
      return {
        async rewriteEvent(position, data) {
          const { rowCount } = await client.query(`UPDATE ${table('events')} SET data = $1::json WHERE position = $2`, [
            data,
            position,
          ]);
          expect(rowCount).toBe(1);
        },
        async deleteEventsAfter(position) {
          const { rowCount } = await client.query(`DELETE FROM ${table('events')} WHERE position > $1`, [position]);
          expect(rowCount).toBeGreaterThan(0);
        },
        async forgetCheckpoints() {
          await client.query(`DELETE FROM ${table('audit_cosignatures')}`);
          await client.query(`DELETE FROM ${table('audit_checkpoints')}`);
        },
        async close() {
          await client.end();
        },
      };
    },
    dispose: (url) => dropTestSchema(schemaOf(url)),
  });
});
