import type { SqlDb, SqlRunner } from '@accord/sql';

export const CHECKPOINTS_DDL = `CREATE TABLE IF NOT EXISTS checkpoints (
  name TEXT PRIMARY KEY,
  position BIGINT NOT NULL,
  updated_at TEXT NOT NULL
)`;

/** The checkpoint of a name (one row, or none before the first set). */
export const GET_CHECKPOINT_SQL = 'SELECT position FROM checkpoints WHERE name = ?';
/** Moves a checkpoint: (name, position, updated_at). */
export const SET_CHECKPOINT_SQL =
  'INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?) ' +
  'ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at';

/** Durable checkpoints: the position of the last event each follower has fully handled. */
export class Checkpoints {
  constructor(private readonly db: SqlDb) {}

  async setup(): Promise<void> {
    await this.db.exec(CHECKPOINTS_DDL);
  }

  async get(name: string, runner: SqlRunner = this.db): Promise<number> {
    const [row] = await runner.query<{ position: number }>(GET_CHECKPOINT_SQL, [name]);
    return row ? Number(row.position) : 0;
  }

  /** Positions by name; names without a checkpoint are left out. */
  async getMany(names: readonly string[], runner: SqlRunner = this.db): Promise<Map<string, number>> {
    if (names.length === 0) return new Map();
    const rows = await runner.query<{ name: string; position: number }>(
      `SELECT name, position FROM checkpoints WHERE name IN (${names.map(() => '?').join(', ')})`,
      names,
    );
    return new Map(rows.map((row) => [row.name, Number(row.position)]));
  }

  /** Moves several checkpoints to the same position (one batch read for all of them). */
  async setMany(names: readonly string[], position: number, runner: SqlRunner = this.db): Promise<void> {
    for (const name of names) await this.set(name, position, runner);
  }

  /** Call inside the same transaction as the changes the events caused, where there are any. */
  async set(name: string, position: number, runner: SqlRunner = this.db): Promise<void> {
    await runner.execute(SET_CHECKPOINT_SQL, [name, position, new Date().toISOString()]);
  }
}
