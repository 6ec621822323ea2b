import { Pool, types, type PoolClient } from 'pg';
import type { SqlDb, SqlRunner, TransactionOptions } from './sql-db';

// BIGINT (positions, counts) as numbers: positions stay below 2^53 (decision 0002).
types.setTypeParser(20, (value) => Number(value));

/** `?` placeholders to `$1, $2, …` (our SQL has no `?` inside literals). */
export function toPostgresPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const runnerOf = (client: Pool | PoolClient): SqlRunner => ({
  dialect: 'postgres',
  query: async <T>(sql: string, params: readonly unknown[] = []) =>
    (await client.query(toPostgresPlaceholders(sql), params as unknown[])).rows as T[],
  execute: async (sql: string, params: readonly unknown[] = []) =>
    (await client.query(toPostgresPlaceholders(sql), params as unknown[])).rowCount ?? 0,
});

/**
 * Creates the schema if it is missing, under the same advisory lock the PostgreSQL event
 * store takes for its migrations, so that the two never race to create it.
 */
async function ensureSchema(pool: Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `accord.event-store.migrate:${schema}`,
    ]);
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** SqlDb on a pg pool, in one schema (search_path set on every connection). */
export class PostgresDb implements SqlDb {
  readonly dialect = 'postgres' as const;
  readonly pool: Pool;
  private readonly runner: SqlRunner;
  private ready: Promise<void> | undefined;

  /**
   * `settings` are session settings every connection starts with (sent at connect, as the
   * search path is), e.g. `{ synchronous_commit: 'off' }`.
   */
  constructor(url: string, options: { schema?: string; max?: number; settings?: Record<string, string> } = {}) {
    const schema = options.schema;
    const settings = { ...(schema ? { search_path: schema } : {}), ...options.settings };
    const startup = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`);
    this.pool = new Pool({
      connectionString: url,
      max: options.max ?? 10,
      ...(startup.length > 0 ? { options: startup.join(' ') } : {}),
    });
    this.runner = runnerOf(this.pool);
    // The schema may not exist yet (the event store creates it too; either may come first).
    if (schema) {
      this.ready = ensureSchema(this.pool, schema);
      this.ready.catch(() => undefined); // reported by the first operation that awaits it
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    await this.ready;
    return this.runner.query<T>(sql, params);
  }

  async execute(sql: string, params?: readonly unknown[]): Promise<number> {
    await this.ready;
    return this.runner.execute(sql, params);
  }

  async exec(script: string): Promise<void> {
    await this.ready;
    await this.pool.query(script);
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    await this.ready;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (options.durable === false) await client.query('SET LOCAL synchronous_commit = off');
      const result = await work(runnerOf(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
