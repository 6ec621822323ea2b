import type { EventStore, RecordedEvent } from '@accord/event-store';
import { Checkpoints } from './checkpoints';
import { LogFollower } from './log-follower';
import { tablesOf, type Projection, type Row, type Rows, type Tables } from './projection';
import { ProjectionRegistry } from './projection-registry';
import { createTableSql, quote, upsertSql, type SqlDb, type SqlRunner, type TableSpec } from './sql/sql-db';

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly generation: number;
  readonly checkpoint: number;
  readonly state: 'live' | 'rebuilding';
  /** Generation being built, with its checkpoint. */
  readonly rebuild: { version: number; generation: number; checkpoint: number } | null;
}

/** The live generation moved on (a rebuild elsewhere swapped it): stop writing these tables. */
class Superseded extends Error {}

const checkpointName = (name: string, version: number, generation: number) =>
  `projection:${name}:v${version}:g${generation}`;

/** Rows per INSERT statement (SQLite allows 32766 parameters). */
const ROWS_PER_STATEMENT = 200;

/** Loads a batch's rows, applies the events in memory, and remembers what changed. */
class BatchRows implements Rows {
  private readonly rows = new Map<string, Map<string, Row>>();
  readonly dirty = new Map<string, Map<string, Row>>();

  constructor(private readonly specs: Map<string, TableSpec>) {}

  static async load(
    db: SqlRunner,
    specs: Map<string, TableSpec>,
    tables: Tables,
    refs: Iterable<readonly [string, string]>,
  ): Promise<BatchRows> {
    const batch = new BatchRows(specs);
    const wanted = new Map<string, Set<string>>();
    for (const [table, key] of refs) {
      if (!wanted.has(table)) wanted.set(table, new Set());
      wanted.get(table)!.add(key);
    }
    for (const [table, keys] of wanted) {
      const spec = specs.get(table)!;
      const column = spec.key[0];
      const all = [...keys];
      const loaded = batch.rows.get(table) ?? new Map<string, Row>();
      batch.rows.set(table, loaded);
      for (let i = 0; i < all.length; i += 500) {
        const chunk = all.slice(i, i + 500);
        const rows = await db.query<Row>(
          `SELECT * FROM ${quote(tables[table])} WHERE ${quote(column)} IN (${chunk.map(() => '?').join(', ')})`,
          chunk,
        );
        for (const row of rows) loaded.set(String(row[column]), row);
      }
    }
    return batch;
  }

  get(table: string, key: string): Row | undefined {
    return this.rows.get(table)?.get(key);
  }

  put(table: string, row: Row): void {
    const spec = this.specs.get(table)!;
    const key = spec.key.map((k) => String(row[k])).join('\u0000');
    if (spec.key.length === 1) {
      if (!this.rows.has(table)) this.rows.set(table, new Map());
      this.rows.get(table)!.set(key, row);
    }
    if (!this.dirty.has(table)) this.dirty.set(table, new Map());
    this.dirty.get(table)!.set(key, row);
  }
}

/**
 * Writes one generation's tables: each batch's rows and its checkpoint in one transaction.
 * Inside that transaction the batch checks that its generation is still the one to write
 * and that no other writer moved the checkpoint, so two processes may follow the same
 * generation (an API and a CLI rebuild) without applying an event twice.
 */
class GenerationWriter {
  readonly follower: LogFollower;
  private readonly specs: Map<string, TableSpec>;
  private readonly checkpoint: string;

  constructor(
    store: EventStore,
    private readonly db: SqlDb,
    private readonly projection: Projection,
    readonly generation: number,
    readonly tables: Tables,
    private readonly registry: ProjectionRegistry,
    private readonly checkpoints: Checkpoints,
    private readonly role: 'live' | 'build',
    after: number,
    hooks: { onBatch?: (position: number) => void; onError?: (error: unknown) => void; batchSize?: number },
  ) {
    this.specs = new Map(projection.tables.map((t) => [t.name, t]));
    this.checkpoint = checkpointName(projection.name, projection.version, generation);
    this.follower = new LogFollower(store, {
      after,
      batchSize: hooks.batchSize ?? 2000,
      handle: async (events) => {
        const moved = await this.applyBatch(events);
        hooks.onBatch?.(moved ?? events[events.length - 1].position);
        return moved;
      },
      onError: (error) => hooks.onError?.(error),
    });
  }

  static async create(
    store: EventStore,
    db: SqlDb,
    projection: Projection,
    generation: number,
    tables: Tables,
    registry: ProjectionRegistry,
    checkpoints: Checkpoints,
    role: 'live' | 'build',
    hooks: { onBatch?: (position: number) => void; onError?: (error: unknown) => void; batchSize?: number },
  ): Promise<GenerationWriter> {
    await setupTables(db, projection, tables);
    const after = await checkpoints.get(checkpointName(projection.name, projection.version, generation));
    return new GenerationWriter(store, db, projection, generation, tables, registry, checkpoints, role, after, hooks);
  }

  async superseded(): Promise<boolean> {
    if (this.role !== 'live') return false;
    return (await this.registry.get(this.projection.name))?.generation !== this.generation;
  }

  /** Is this generation still the one this writer should write (checked with `runner`)? */
  private async stillMine(runner: SqlRunner): Promise<boolean> {
    const entry = await this.registry.get(this.projection.name, runner);
    return this.role === 'live'
      ? entry?.generation === this.generation && entry.version === this.projection.version
      : entry?.building?.generation === this.generation || entry?.generation === this.generation;
  }

  private async applyBatch(events: readonly RecordedEvent[]): Promise<number | undefined> {
    const refs: (readonly [string, string])[] = [];
    for (const event of events) refs.push(...this.projection.reads(event));
    let rows: BatchRows;
    try {
      rows = await BatchRows.load(this.db, this.specs, this.tables, refs);
    } catch (error) {
      // A swap elsewhere may have dropped these tables already.
      if (!(await this.stillMine(this.db)))
        throw new Superseded(`${this.projection.name} generation ${this.generation} is gone`);
      throw error;
    }
    for (const event of events) this.projection.apply(event, rows);
    return this.db.transaction(async (tx) => {
      if (!(await this.stillMine(tx))) {
        throw new Superseded(`${this.projection.name} generation ${this.generation} is no longer ${this.role}`);
      }
      const stored = await this.checkpoints.get(this.checkpoint, tx);
      if (stored !== this.follower.position) return stored; // another writer got elsewhere: go on from there
      for (const [table, changed] of rows.dirty) {
        const spec = this.specs.get(table)!;
        const columns = Object.keys(spec.columns);
        const all = [...changed.values()];
        for (let i = 0; i < all.length; i += ROWS_PER_STATEMENT) {
          const chunk = all.slice(i, i + ROWS_PER_STATEMENT);
          await tx.execute(
            upsertSql(spec, this.tables[table], chunk.length),
            chunk.flatMap((row) => columns.map((c) => row[c] ?? null)),
          );
        }
      }
      await this.checkpoints.set(this.checkpoint, events[events.length - 1].position, tx);
      return undefined;
    });
  }
}

async function setupTables(db: SqlDb, projection: Projection, tables: Tables): Promise<void> {
  for (const spec of projection.tables) await db.exec(createTableSql(db.dialect, spec, tables[spec.name]));
}

export interface RunnerOptions {
  readonly onError?: (projection: string, error: unknown) => void;
  readonly onSwap?: (projection: string, version: number, generation: number) => void;
  /** Events per transaction while catching up (default 2000). */
  readonly batchSize?: number;
}

/**
 * Runs projections from the global log. Each projection has a live generation (the
 * tables queries read) and, during a rebuild or after its version changed, a new
 * generation built beside it from position 0 and swapped in atomically once caught up.
 */
export class ProjectionRunner {
  readonly registry: ProjectionRegistry;
  private readonly checkpoints: Checkpoints;
  private readonly live = new Map<string, GenerationWriter>();
  private readonly builds = new Map<string, Promise<void>>();
  private running = false;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly store: EventStore,
    readonly db: SqlDb,
    readonly projections: readonly Projection[],
    private readonly options: RunnerOptions = {},
  ) {
    this.registry = new ProjectionRegistry(db);
    this.checkpoints = new Checkpoints(db);
  }

  /** Creates the registry and checkpoint tables (idempotent); every method awaits it. */
  setup(): Promise<void> {
    this.ready ??= (async () => {
      await this.registry.setup();
      await this.checkpoints.setup();
    })();
    return this.ready;
  }

  projection(name: string): Projection {
    const projection = this.projections.find((p) => p.name === name);
    if (!projection)
      throw new UnknownProjectionError(
        name,
        this.projections.map((p) => p.name),
      );
    return projection;
  }

  /** The tables queries should read now. */
  async tables(name: string): Promise<Tables> {
    await this.setup();
    const entry = await this.registry.get(name);
    if (entry) return entry.tables;
    const projection = this.projection(name);
    const registered = await this.registry.register(projection);
    await setupTables(this.db, projection, registered.tables);
    return registered.tables;
  }

  async start(): Promise<void> {
    await this.setup();
    this.running = true;
    for (const projection of this.projections) {
      const entry = (await this.registry.get(projection.name)) ?? (await this.registry.register(projection));
      if (entry.version === projection.version) {
        await this.startLive(projection, entry.generation, entry.tables);
        if (entry.building?.version === projection.version) void this.rebuild(projection.name);
      } else {
        // The code changed: keep serving the old version while the new one is built.
        void this.rebuild(projection.name);
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.live.values()].map((w) => w.follower.stop()));
    this.live.clear();
    await Promise.all([...this.builds.values()].map((b) => b.catch(() => undefined)));
  }

  /** Resolves once every live projection has read to the end of the log at least once. */
  async caughtUp(): Promise<void> {
    await Promise.all([...this.live.values()].map((w) => w.follower.caughtUp));
  }

  /** The checkpoint of the live generation (read from the database, so any process's progress counts). */
  async checkpoint(name: string): Promise<number> {
    await this.setup();
    const entry = await this.registry.get(name);
    if (!entry) return 0;
    return this.checkpoints.get(checkpointName(name, entry.version, entry.generation));
  }

  /** Resolves true once the live generation has passed `position`; false after `timeoutMs`. */
  async waitFor(name: string, position: number, timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const writer = this.live.get(name);
    if (writer && !(await writer.superseded())) {
      if (await writer.follower.waitFor(position, timeoutMs)) return true;
    }
    // No writer here (workers elsewhere) or the generation changed: watch the shared checkpoint.
    while ((await this.checkpoint(name)) < position) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  async status(): Promise<ProjectionStatus[]> {
    await this.setup();
    const statuses: ProjectionStatus[] = [];
    for (const projection of this.projections) {
      const entry = await this.registry.get(projection.name);
      const building = entry?.building ?? null;
      statuses.push({
        name: projection.name,
        version: entry?.version ?? projection.version,
        generation: entry?.generation ?? 0,
        checkpoint: await this.checkpoint(projection.name),
        state: building ? 'rebuilding' : 'live',
        rebuild: building
          ? {
              ...building,
              checkpoint: await this.checkpoints.get(
                checkpointName(projection.name, building.version, building.generation),
              ),
            }
          : null,
      });
    }
    return statuses;
  }

  /**
   * Replays the whole log into a new generation while the live one keeps serving, then
   * swaps atomically and drops the old tables. `onProgress` gets the position reached.
   */
  rebuild(name: string, onProgress?: (position: number) => void): Promise<void> {
    const existing = this.builds.get(name);
    if (existing) return existing;
    const build = this.build(this.projection(name), onProgress).finally(() => this.builds.delete(name));
    this.builds.set(name, build);
    return build;
  }

  private async build(projection: Projection, onProgress?: (position: number) => void): Promise<void> {
    await this.setup();
    const entry = (await this.registry.get(projection.name)) ?? (await this.registry.register(projection));
    const resumable = entry.building?.version === projection.version ? entry.building.generation : undefined;
    const { generation, tables } =
      resumable !== undefined
        ? { generation: resumable, tables: tablesOf(projection, resumable) }
        : await this.registry.beginBuild(projection);
    let failure: unknown;
    const writer = await GenerationWriter.create(
      this.store,
      this.db,
      projection,
      generation,
      tables,
      this.registry,
      this.checkpoints,
      'build',
      {
        batchSize: this.options.batchSize,
        onBatch: onProgress,
        onError: (error) => {
          failure = error;
          this.options.onError?.(projection.name, error);
        },
      },
    );
    writer.follower.start();
    await writer.follower.caughtUp;
    await writer.follower.stop();
    if (failure instanceof Superseded) return;
    // Caught up: swap in one transaction, then drop what the old generation owned.
    const old = await this.registry.swap(projection, generation);
    this.options.onSwap?.(projection.name, projection.version, generation);
    const previous = this.live.get(projection.name);
    if (previous) {
      await previous.follower.stop();
      this.live.delete(projection.name);
    }
    if (old && JSON.stringify(old) !== JSON.stringify(tables)) {
      for (const table of Object.values(old)) await this.db.exec(`DROP TABLE IF EXISTS ${quote(table)}`);
    }
    if (this.running) await this.startLive(projection, generation, tables);
  }

  private async startLive(projection: Projection, generation: number, tables: Tables): Promise<void> {
    const writer: GenerationWriter = await GenerationWriter.create(
      this.store,
      this.db,
      projection,
      generation,
      tables,
      this.registry,
      this.checkpoints,
      'live',
      {
        batchSize: this.options.batchSize,
        onError: (error) => {
          if (error instanceof Superseded) {
            // Another process swapped in a new generation: follow that one from its checkpoint.
            void writer.follower.stop().then(async () => {
              if (this.live.get(projection.name) !== writer || !this.running) return;
              this.live.delete(projection.name);
              const entry = await this.registry.get(projection.name);
              if (entry && entry.version === projection.version) {
                await this.startLive(projection, entry.generation, entry.tables);
              }
            });
            return;
          }
          this.options.onError?.(projection.name, error);
        },
      },
    );
    this.live.set(projection.name, writer);
    writer.follower.start();
  }
}

export class UnknownProjectionError extends Error {
  readonly code = 'UNKNOWN_PROJECTION';
  constructor(name: string, known: string[]) {
    super(`There is no projection "${name}"; known: ${known.join(', ')}`);
    this.name = 'UnknownProjectionError';
  }
}
