import type { Row, Rows, Tables } from './projection';
import { quote, upsertSql, type SqlRunner, type TableSpec } from '@accord/sql';

/** Keys per `SELECT … IN (…)` and rows per INSERT: powers of two, so a few prepared statements serve every batch. */
const LARGEST_CHUNK = 256;
const chunkOf = (remaining: number): number =>
  remaining >= LARGEST_CHUNK ? LARGEST_CHUNK : 2 ** Math.floor(Math.log2(remaining));

const keyOf = (spec: TableSpec, row: Row): string =>
  spec.key.length === 1 ? String(row[spec.key[0]]) : spec.key.map((k) => String(row[k])).join('\u0000');

/**
 * One generation's rows as its last committed batch left them, so the next batch need
 * not read them back. Bounded per table, least recently used out first. Only valid while
 * this process is the one writing the generation: clear it when the checkpoint moved elsewhere.
 */
export class RowCache {
  private readonly tables = new Map<string, Map<string, Row>>();

  constructor(private readonly limit: number) {}

  get(table: string, key: string): Row | undefined {
    const rows = this.tables.get(table);
    const row = rows?.get(key);
    if (row) {
      rows!.delete(key);
      rows!.set(key, row);
    }
    return row;
  }

  /** Keeps the rows a committed batch wrote. */
  keep(batch: BatchRows): void {
    if (this.limit <= 0) return;
    for (const [table, changed] of batch.readable) {
      let rows = this.tables.get(table);
      if (!rows) this.tables.set(table, (rows = new Map()));
      for (const [key, row] of changed) {
        rows.delete(key);
        rows.set(key, row);
      }
      if (rows.size > this.limit) {
        let excess = rows.size - this.limit;
        for (const key of rows.keys()) {
          if (excess-- <= 0) break;
          rows.delete(key);
        }
      }
    }
  }

  clear(): void {
    this.tables.clear();
  }
}

/**
 * The rows one batch reads, loaded at once (from the cache, the rest in a few queries),
 * changed in memory by the events, and the ones it changed, to write in one transaction.
 */
export class BatchRows implements Rows {
  private readonly rows = new Map<string, Map<string, Row>>();
  /** Rows put this batch, by table and key. */
  readonly dirty = new Map<string, Map<string, Row>>();
  /** Rows put this batch that `get` can find again (single-column keys). */
  readonly readable = new Map<string, Map<string, Row>>();

  private constructor(private readonly specs: ReadonlyMap<string, TableSpec>) {}

  static async load(
    db: SqlRunner,
    specs: ReadonlyMap<string, TableSpec>,
    tables: Tables,
    cache: RowCache,
    wanted: ReadonlyMap<string, ReadonlySet<string>>,
    /** A batch whose write has not committed yet: its rows come first, the tables are behind it. */
    unwritten?: BatchRows,
  ): Promise<BatchRows> {
    const batch = new BatchRows(specs);
    for (const [table, keys] of wanted) {
      const column = specs.get(table)!.key[0];
      const loaded = new Map<string, Row>();
      batch.rows.set(table, loaded);
      const missing: string[] = [];
      const ahead = unwritten?.readable.get(table);
      for (const key of keys) {
        const row = ahead?.get(key) ?? cache.get(table, key);
        if (row) loaded.set(key, row);
        else missing.push(key);
      }
      for (let i = 0; i < missing.length;) {
        const n = chunkOf(missing.length - i);
        const rows = await db.query<Row>(
          `SELECT * FROM ${quote(tables[table])} WHERE ${quote(column)} IN (${'?, '.repeat(n - 1)}?)`,
          missing.slice(i, i + n),
        );
        for (const row of rows) loaded.set(String(row[column]), row);
        i += n;
      }
    }
    return batch;
  }

  get(table: string, key: string): Row | undefined {
    return this.rows.get(table)?.get(key);
  }

  put(table: string, row: Row): void {
    const spec = this.specs.get(table)!;
    const key = keyOf(spec, row);
    if (spec.key.length === 1) {
      let rows = this.rows.get(table);
      if (!rows) this.rows.set(table, (rows = new Map()));
      rows.set(key, row);
      let readable = this.readable.get(table);
      if (!readable) this.readable.set(table, (readable = new Map()));
      readable.set(key, row);
    }
    let dirty = this.dirty.get(table);
    if (!dirty) this.dirty.set(table, (dirty = new Map()));
    dirty.set(key, row);
  }

  /** Upserts the changed rows, a few hundred a statement. */
  async write(tx: SqlRunner, tables: Tables): Promise<void> {
    for (const [sql, params] of this.statements(tables)) await tx.execute(sql, params);
  }

  /** The upserts `write` runs, with their parameters (primitives only). */
  statements(tables: Tables): [sql: string, params: unknown[]][] {
    const statements: [string, unknown[]][] = [];
    for (const [table, changed] of this.dirty) {
      const spec = this.specs.get(table)!;
      const columns = Object.keys(spec.columns);
      const width = columns.length;
      // In key order: each B-tree page is visited once, not once per row.
      const rows = [...changed.keys()].sort().map((key) => changed.get(key)!);
      for (let i = 0; i < rows.length;) {
        const n = chunkOf(rows.length - i);
        const params: unknown[] = new Array(n * width);
        for (let r = 0; r < n; r++) {
          const row = rows[i + r];
          for (let c = 0; c < width; c++) {
            const value = row[columns[c]] ?? null;
            params[r * width + c] = typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
          }
        }
        statements.push([upsertSql(spec, tables[table], n), params]);
        i += n;
      }
    }
    return statements;
  }
}
