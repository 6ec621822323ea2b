import type { RecordedEvent } from '@accord/event-store';
import type Database from 'better-sqlite3';

/** Actual table names by base name, for one version and generation of a projection. */
export type Tables = Readonly<Record<string, string>>;

/** A read model in SQLite, fed from the global log. */
export interface SqliteProjection {
  readonly name: string;
  /** Bump when the code changes what the tables hold: the new version is rebuilt beside the old. */
  readonly version: number;
  /** Base names of the tables it owns; each generation gets its own copies. */
  readonly tables: readonly string[];
  /** Creates the tables under the names given (idempotent). */
  setup(db: Database.Database, tables: Tables): void;
  /** Applies one event; called inside the batch's transaction. */
  apply(db: Database.Database, event: RecordedEvent, tables: Tables): void;
}

/** `commitments` → `commitments_v2_g3`: each rebuild writes fresh tables beside the live ones. */
export function tablesOf(projection: SqliteProjection, generation: number): Tables {
  return Object.fromEntries(projection.tables.map((t) => [t, `${t}_v${projection.version}_g${generation}`]));
}

/** Statement cache per connection, so apply() can prepare by table name cheaply. */
const caches = new WeakMap<Database.Database, Map<string, Database.Statement>>();
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}
