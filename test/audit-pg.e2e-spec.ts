import { describeEveryBrokenLink } from '@accord/audit/testing/broken-links.suite';
import { describeTamperCases, type RawEventRow, type StoreWithTable } from '@accord/audit/testing/tamper.suite';
import { PostgresEventStore } from '@accord/event-store-postgres';
import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { Client } from 'pg';

/** The tamper cases on PostgreSQL: each test in its own schema, dropped afterwards. */
describeWithPostgres('audit on PostgreSQL', () => {
  const open = async (): Promise<StoreWithTable> => {
    const schema = testSchemaName();
    const store = await PostgresEventStore.open(TEST_PG_URL, { schema });
    const client = new Client({ connectionString: TEST_PG_URL });
    await client.connect();
    const events = `"${schema}".events`;
    const row = async (position: number): Promise<RawEventRow> => {
      const { rows } = await client.query<RawEventRow>(
        `SELECT position::integer AS position, stream_id AS "streamId", revision::integer AS revision, id,
                data::text AS data, metadata::text AS metadata
         FROM ${events} WHERE position = $1`,
        [position],
      );
      if (rows.length === 0) throw new Error(`no event at position ${position}`);
      return rows[0];
    };
    return {
      store,
      workerUrl: `${TEST_PG_URL}?schema=${schema}`,
      table: {
        row,
        async update(position, changes) {
          for (const [column, value] of Object.entries(changes)) {
            const cast = column === 'id' ? '' : '::json';
            if (!['id', 'data', 'metadata'].includes(column)) throw new Error(column);
            await client.query(`UPDATE ${events} SET ${column} = $1${cast} WHERE position = $2`, [value, position]);
          }
        },
        async delete(position) {
          await client.query(`DELETE FROM ${events} WHERE position = $1`, [position]);
        },
        async swapPositions(a, b) {
          // Through a free position: the key is unique and must stay above 0.
          const free = 2 ** 52;
          await client.query('BEGIN');
          await client.query(`UPDATE ${events} SET position = $1 WHERE position = $2`, [free, a]);
          await client.query(`UPDATE ${events} SET position = $1 WHERE position = $2`, [a, b]);
          await client.query(`UPDATE ${events} SET position = $1 WHERE position = $2`, [b, free]);
          await client.query('COMMIT');
        },
      },
      async dispose() {
        await client.end();
        await store.close();
        await dropTestSchema(schema);
      },
    };
  };
  describeTamperCases('PostgreSQL', open);
  describeEveryBrokenLink('PostgreSQL', open);
});
