import type { RecordedEvent } from '@accord/event-store';
import type { TableSpec } from '@accord/sql';

/**
 * A row by column. A column holding an object or array is stored as its JSON, so a
 * projection may put a state object as it is: the batch serializes it once, when it
 * writes the row, instead of once per event (see `jsonColumn`).
 */
export type Row = Record<string, unknown>;

/** A JSON column as a row holds it: parsed when loaded from the database, as put otherwise. */
export function jsonColumn<T>(row: Row | undefined, column: string, otherwise: T): T {
  if (!row) return otherwise;
  const value = row[column];
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** The rows a batch has loaded or written, by table base name and key. */
export interface Rows {
  get(table: string, key: string): Row | undefined;
  put(table: string, row: Row): void;
}

/**
 * A read model fed from the global log, written as pure row changes so the runner can
 * load a batch's rows at once, apply the events in memory and write the changed rows and
 * the checkpoint in one transaction, on SQLite or PostgreSQL alike.
 */
export interface Projection {
  readonly name: string;
  /** Bump when the code changes what the tables hold: the new version is rebuilt beside the old. */
  readonly version: number;
  /** Tables by base name; each generation gets its own copies. */
  readonly tables: readonly TableSpec[];
  /** The rows (table base name, single-column key) this event reads before changing them. */
  reads(event: RecordedEvent): readonly (readonly [table: string, key: string])[];
  apply(event: RecordedEvent, rows: Rows): void;
}

/** Actual table names by base name, for one version and generation of a projection. */
export type Tables = Readonly<Record<string, string>>;

/** `commitments` → `commitments_v2_g3`: each rebuild writes fresh tables beside the live ones. */
export function tablesOf(projection: Projection, generation: number): Tables {
  return Object.fromEntries(projection.tables.map((t) => [t.name, `${t.name}_v${projection.version}_g${generation}`]));
}
