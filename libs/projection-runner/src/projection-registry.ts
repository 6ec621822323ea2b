import { tablesOf, type Projection, type Tables } from './projection';
import type { SqlDb, SqlRunner } from '@accord/sql';

export interface RegistryEntry {
  readonly name: string;
  readonly version: number;
  readonly generation: number;
  readonly tables: Tables;
  /** The generation being built beside the live one, if any. */
  readonly building: { version: number; generation: number } | null;
}

interface RegistryRow {
  name: string;
  version: number;
  generation: number;
  tables: string;
  building_version: number | null;
  building_generation: number | null;
}

const toEntry = (row: RegistryRow): RegistryEntry => ({
  name: row.name,
  version: Number(row.version),
  generation: Number(row.generation),
  tables: JSON.parse(row.tables),
  building:
    row.building_version === null || row.building_generation === null
      ? null
      : { version: Number(row.building_version), generation: Number(row.building_generation) },
});

/**
 * Which generation of each projection is live: the one queries read. A rebuild writes a
 * new generation beside it and swaps this row in one transaction, so readers see either
 * the old tables or the new ones, never a half-built state.
 */
export class ProjectionRegistry {
  constructor(private readonly db: SqlDb) {}

  async setup(): Promise<void> {
    await this.db.exec(`CREATE TABLE IF NOT EXISTS projection_registry (
      name TEXT PRIMARY KEY,
      version INTEGER NOT NULL,
      generation INTEGER NOT NULL,
      tables TEXT NOT NULL,
      building_version INTEGER,
      building_generation INTEGER,
      updated_at TEXT NOT NULL
    )`);
    // Tables of swapped-out generations, recorded by the swap itself: emptied and dropped in
    // the background, and again after a restart if that was cut short.
    await this.db.exec(`CREATE TABLE IF NOT EXISTS projection_retired (
      table_name TEXT PRIMARY KEY,
      projection TEXT NOT NULL,
      retired_at TEXT NOT NULL
    )`);
  }

  /** The tables of swapped-out generations not dropped yet, in the order they were retired. */
  async retired(runner: SqlRunner = this.db): Promise<{ table: string; projection: string }[]> {
    const rows = await runner.query<{ table_name: string; projection: string }>(
      'SELECT table_name, projection FROM projection_retired ORDER BY retired_at, table_name',
    );
    return rows.map((row) => ({ table: row.table_name, projection: row.projection }));
  }

  /** A retired table is gone. */
  async forget(table: string): Promise<void> {
    await this.db.execute('DELETE FROM projection_retired WHERE table_name = ?', [table]);
  }

  async get(name: string, runner: SqlRunner = this.db): Promise<RegistryEntry | undefined> {
    const [row] = await runner.query<RegistryRow>('SELECT * FROM projection_registry WHERE name = ?', [name]);
    return row ? toEntry(row) : undefined;
  }

  /** Every projection's entry, by name. */
  async all(runner: SqlRunner = this.db): Promise<Map<string, RegistryEntry>> {
    const rows = await runner.query<RegistryRow>('SELECT * FROM projection_registry');
    return new Map(rows.map((row) => [row.name, toEntry(row)]));
  }

  /** The first generation of a projection never seen before: live at once, filled from 0. */
  async register(projection: Projection): Promise<RegistryEntry> {
    await this.db.execute(
      `INSERT INTO projection_registry (name, version, generation, tables, updated_at)
       VALUES (?, ?, 1, ?, ?) ON CONFLICT (name) DO NOTHING`,
      [projection.name, projection.version, JSON.stringify(tablesOf(projection, 1)), new Date().toISOString()],
    );
    return (await this.get(projection.name))!;
  }

  /** Reserves the next generation for a rebuild; the live one keeps serving. */
  async beginBuild(projection: Projection): Promise<{ generation: number; tables: Tables }> {
    return this.db.transaction(async (tx) => {
      const entry = await this.get(projection.name, tx);
      const generation = Math.max(entry?.generation ?? 0, entry?.building?.generation ?? 0) + 1;
      await tx.execute(
        'UPDATE projection_registry SET building_version = ?, building_generation = ?, updated_at = ? WHERE name = ?',
        [projection.version, generation, new Date().toISOString(), projection.name],
      );
      return { generation, tables: tablesOf(projection, generation) };
    });
  }

  /**
   * Makes a built generation live, atomically, and records the tables it replaced as retired
   * (to be dropped); returns those tables.
   */
  async swap(projection: Projection, generation: number): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const previous = await this.get(projection.name, tx);
      const next = tablesOf(projection, generation);
      const current = new Set(Object.values(next));
      const retired = Object.values(previous?.tables ?? {}).filter((table) => !current.has(table));
      const at = new Date().toISOString();
      for (const table of retired) {
        await tx.execute(
          'INSERT INTO projection_retired (table_name, projection, retired_at) VALUES (?, ?, ?) ON CONFLICT (table_name) DO NOTHING',
          [table, projection.name, at],
        );
      }
      await tx.execute(
        `UPDATE projection_registry SET version = ?, generation = ?, tables = ?, building_version = NULL,
           building_generation = NULL, updated_at = ? WHERE name = ?`,
        [projection.version, generation, JSON.stringify(next), at, projection.name],
      );
      return retired;
    });
  }
}
