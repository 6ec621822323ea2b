import type Database from 'better-sqlite3';
import type { SqliteProjection, Tables } from './sqlite-projection';
import { tablesOf } from './sqlite-projection';

export interface RegistryEntry {
  readonly name: string;
  readonly version: number;
  readonly generation: number;
  readonly tables: Tables;
  /** The generation being built beside the live one, if any. */
  readonly building: { version: number; generation: number } | null;
}

/**
 * Which generation of each projection is live: the one queries read. A rebuild writes a
 * new generation beside it and swaps this row in one transaction, so readers see either
 * the old tables or the new ones, never a half-built state.
 */
export class ProjectionRegistry {
  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS projection_registry (
      name TEXT PRIMARY KEY,
      version INTEGER NOT NULL,
      generation INTEGER NOT NULL,
      tables TEXT NOT NULL,
      building_version INTEGER,
      building_generation INTEGER,
      updated_at TEXT NOT NULL
    ) WITHOUT ROWID`);
  }

  get(name: string): RegistryEntry | undefined {
    const row = this.db.prepare('SELECT * FROM projection_registry WHERE name = ?').get(name) as
      | {
          name: string;
          version: number;
          generation: number;
          tables: string;
          building_version: number | null;
          building_generation: number | null;
        }
      | undefined;
    if (!row) return undefined;
    return {
      name: row.name,
      version: row.version,
      generation: row.generation,
      tables: JSON.parse(row.tables),
      building:
        row.building_version === null || row.building_generation === null
          ? null
          : { version: row.building_version, generation: row.building_generation },
    };
  }

  /** The first generation of a projection never seen before: live at once, filled from 0. */
  register(projection: SqliteProjection): RegistryEntry {
    const tables = tablesOf(projection, 1);
    this.db
      .prepare(
        `INSERT INTO projection_registry (name, version, generation, tables, updated_at)
         VALUES (?, ?, 1, ?, ?) ON CONFLICT (name) DO NOTHING`,
      )
      .run(projection.name, projection.version, JSON.stringify(tables), new Date().toISOString());
    return this.get(projection.name)!;
  }

  /** Reserves the next generation for a rebuild; the live one keeps serving. */
  beginBuild(projection: SqliteProjection): { generation: number; tables: Tables } {
    return this.db
      .transaction(() => {
        const entry = this.get(projection.name);
        const last = Math.max(entry?.generation ?? 0, entry?.building?.generation ?? 0);
        const generation = last + 1;
        this.db
          .prepare(
            `UPDATE projection_registry SET building_version = ?, building_generation = ?, updated_at = ? WHERE name = ?`,
          )
          .run(projection.version, generation, new Date().toISOString(), projection.name);
        return { generation, tables: tablesOf(projection, generation) };
      })
      .immediate();
  }

  /** Makes a built generation live, atomically; returns the tables it replaced. */
  swap(projection: SqliteProjection, generation: number): Tables | undefined {
    const previous = this.get(projection.name);
    this.db
      .prepare(
        `UPDATE projection_registry SET version = ?, generation = ?, tables = ?, building_version = NULL,
           building_generation = NULL, updated_at = ? WHERE name = ?`,
      )
      .run(
        projection.version,
        generation,
        JSON.stringify(tablesOf(projection, generation)),
        new Date().toISOString(),
        projection.name,
      );
    return previous?.tables;
  }
}
