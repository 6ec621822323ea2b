import type { SqlDb, SqlRunner } from './sql/sql-db';

export const CHECKPOINTS_DDL = `CREATE TABLE IF NOT EXISTS checkpoints (
  name TEXT PRIMARY KEY,
  position BIGINT NOT NULL,
  updated_at TEXT NOT NULL
)`;

/** Durable checkpoints: the position of the last event each follower has fully handled. */
export class Checkpoints {
  constructor(private readonly db: SqlDb) {}

  async setup(): Promise<void> {
    await this.db.exec(CHECKPOINTS_DDL);
  }

  async get(name: string, runner: SqlRunner = this.db): Promise<number> {
    const [row] = await runner.query<{ position: number }>('SELECT position FROM checkpoints WHERE name = ?', [name]);
    return row ? Number(row.position) : 0;
  }

  /** Call inside the same transaction as the changes the events caused, where there are any. */
  async set(name: string, position: number, runner: SqlRunner = this.db): Promise<void> {
    await runner.execute(
      `INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      [name, position, new Date().toISOString()],
    );
  }
}
