import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { EventTable, RawEventRow } from './tamper.suite';

/** A SQLite store's events table, opened beside the store: what someone with the file could do. */
export function sqliteEventTable(file: string): EventTable & { close(): Promise<void> } {
  const db = new Database(file);
  const row = (position: number): RawEventRow => {
    const found = db
      .prepare('SELECT position, stream_id AS streamId, revision, id, data, metadata FROM events WHERE position = ?')
      .get(position) as RawEventRow | undefined;
    if (!found) throw new Error(`no event at position ${position}`);
    return found;
  };
  return {
    row: async (position) => row(position),
    async update(position, changes) {
      for (const [column, value] of Object.entries(changes)) {
        if (!['id', 'data', 'metadata'].includes(column)) throw new Error(column);
        db.prepare(`UPDATE events SET ${column} = ? WHERE position = ?`).run(value, position);
      }
    },
    async delete(position) {
      db.prepare('DELETE FROM events WHERE position = ?').run(position);
    },
    async swapPositions(a, b) {
      const move = db.prepare('UPDATE events SET position = ? WHERE position = ?');
      db.transaction(() => {
        move.run(-1, a);
        move.run(a, b);
        move.run(b, -1);
      })();
    },
    close: async () => {
      db.close();
    },
  };
}

/** A PostgreSQL store's events table in `schema`, through a connection of its own. */
export async function postgresEventTable(
  url: string,
  schema: string,
): Promise<EventTable & { close(): Promise<void> }> {
  const client = new Client({ connectionString: url });
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
    close: () => client.end(),
  };
}
