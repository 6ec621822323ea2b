/**
 * The database beside the event store that holds read models, checkpoints, API keys and
 * idempotency records: SQLite (the same file as a SQLite store) or PostgreSQL (the same
 * database as a PostgreSQL store). SQL is written once, with `?` placeholders and the
 * subset both speak (upserts with ON CONFLICT, row values, LIMIT).
 */
export interface SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; resolves with the number of rows changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface TransactionOptions {
  /**
   * false: the commit need not reach the disk before it returns (no fsync on SQLite, no
   * WAL flush wait on PostgreSQL). A crash may lose it, never tear it; the next durable
   * commit makes it durable too. For work that is redone when lost (a generation being built).
   */
  readonly durable?: boolean;
}

export interface SqlDb extends SqlRunner {
  /** Runs several statements (DDL). */
  exec(script: string): Promise<void>;
  /** Runs `work` in one transaction; nothing else runs on this database meanwhile (SQLite) or on its connection (PostgreSQL). */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** Column types, mapped to each dialect. */
export type ColumnType = 'text' | 'integer' | 'bigint' | 'real';

export interface TableSpec {
  readonly name: string;
  readonly columns: Readonly<Record<string, ColumnType>>;
  /** Primary key columns. */
  readonly key: readonly string[];
  readonly indexes?: readonly (readonly string[])[];
}

const TYPES: Record<'sqlite' | 'postgres', Record<ColumnType, string>> = {
  sqlite: { text: 'TEXT', integer: 'INTEGER', bigint: 'INTEGER', real: 'REAL' },
  postgres: { text: 'TEXT', integer: 'INTEGER', bigint: 'BIGINT', real: 'DOUBLE PRECISION' },
};

export const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** CREATE TABLE and its indexes, for a table named `actual` with the spec's columns. */
export function createTableSql(dialect: 'sqlite' | 'postgres', spec: TableSpec, actual = spec.name): string {
  const columns = Object.entries(spec.columns).map(
    ([column, type]) =>
      `${quote(column)} ${TYPES[dialect][type]}${spec.key.includes(column) || type !== 'text' ? ' NOT NULL' : ''}`,
  );
  const table = `CREATE TABLE IF NOT EXISTS ${quote(actual)} (${columns.join(', ')}, PRIMARY KEY (${spec.key
    .map(quote)
    .join(', ')}))${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''};`;
  const indexes = (spec.indexes ?? []).map(
    (columns) =>
      `CREATE INDEX IF NOT EXISTS ${quote(`${actual}_${columns.join('_')}`)} ON ${quote(actual)} (${columns
        .map(quote)
        .join(', ')});`,
  );
  return [table, ...indexes].join('\n');
}

/** `INSERT … ON CONFLICT (key) DO UPDATE` for `count` rows of the spec's columns. */
export function upsertSql(spec: TableSpec, actual: string, count: number): string {
  const columns = Object.keys(spec.columns);
  const row = `(${columns.map(() => '?').join(', ')})`;
  const updates = columns.filter((c) => !spec.key.includes(c)).map((c) => `${quote(c)} = excluded.${quote(c)}`);
  return (
    `INSERT INTO ${quote(actual)} (${columns.map(quote).join(', ')}) VALUES ${Array(count).fill(row).join(', ')} ` +
    `ON CONFLICT (${spec.key.map(quote).join(', ')}) ` +
    (updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING')
  );
}
