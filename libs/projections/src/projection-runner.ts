import type { EventStore, RecordedEvent } from '@accord/event-store';
import type Database from 'better-sqlite3';
import { LogFollower } from './log-follower';
import { ProjectionRegistry } from './projection-registry';
import { SqliteCheckpoints } from './sqlite-checkpoints';
import { tablesOf, type SqliteProjection, type Tables } from './sqlite-projection';

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

/**
 * Writes one generation's tables: each batch's rows and its checkpoint in one transaction.
 * Before writing, the batch checks (inside that transaction) that its generation is still
 * the one it should write and that no other writer moved the checkpoint: two processes may
 * follow the same generation (an API and a CLI rebuild) without applying an event twice.
 */
class GenerationWriter {
  readonly follower: LogFollower;
  private readonly applyBatch: (events: readonly RecordedEvent[]) => number | void;

  constructor(
    store: EventStore,
    private readonly db: Database.Database,
    private readonly projection: SqliteProjection,
    readonly generation: number,
    readonly tables: Tables,
    private readonly registry: ProjectionRegistry,
    checkpoints: SqliteCheckpoints,
    private readonly role: 'live' | 'build',
    hooks: {
      onBatch?: (position: number) => void;
      onError?: (error: unknown) => void;
      onCaughtUp?: () => void;
      batchSize?: number;
    },
  ) {
    const name = checkpointName(projection.name, projection.version, generation);
    projection.setup(db, tables);
    this.applyBatch = db.transaction((events: readonly RecordedEvent[]): number | void => {
      const entry = registry.get(projection.name);
      const stillMine =
        role === 'live'
          ? entry?.generation === generation && entry.version === projection.version
          : entry?.building?.generation === generation || entry?.generation === generation;
      if (!stillMine) throw new Superseded(`${projection.name} generation ${generation} is no longer ${role}`);
      const stored = checkpoints.get(name);
      if (stored !== this.follower.position) return stored; // another writer is ahead (or behind: redo from it)
      for (const event of events) projection.apply(db, event, tables);
      checkpoints.set(name, events[events.length - 1].position);
    });
    this.follower = new LogFollower(store, {
      after: checkpoints.get(name),
      batchSize: hooks.batchSize ?? 2000,
      handle: (events) => {
        const moved = this.applyBatch(events);
        hooks.onBatch?.(typeof moved === 'number' ? moved : events[events.length - 1].position);
        return moved;
      },
      onError: (error) => hooks.onError?.(error),
    });
    void this.follower.caughtUp.then(() => hooks.onCaughtUp?.());
  }

  get superseded(): boolean {
    const entry = this.registry.get(this.projection.name);
    return this.role === 'live' ? entry?.generation !== this.generation : false;
  }
}

export interface RunnerOptions {
  readonly onError?: (projection: string, error: unknown) => void;
  readonly onSwap?: (projection: string, version: number, generation: number) => void;
  /** Events per transaction while catching up (default 2000). */
  readonly batchSize?: number;
}

/**
 * Runs SQLite projections from the global log. Each projection has a live generation
 * (the tables queries read) and, during a rebuild or after its version changed, a new
 * generation built beside it from position 0 and swapped in atomically once caught up.
 */
export class SqliteProjectionRunner {
  readonly registry: ProjectionRegistry;
  private readonly checkpoints: SqliteCheckpoints;
  private readonly live = new Map<string, GenerationWriter>();
  private readonly builds = new Map<string, Promise<void>>();
  private running = false;

  constructor(
    private readonly store: EventStore,
    private readonly db: Database.Database,
    readonly projections: readonly SqliteProjection[],
    private readonly options: RunnerOptions = {},
  ) {
    this.registry = new ProjectionRegistry(db);
    this.checkpoints = new SqliteCheckpoints(db);
  }

  projection(name: string): SqliteProjection {
    const projection = this.projections.find((p) => p.name === name);
    if (!projection)
      throw new UnknownProjectionError(
        name,
        this.projections.map((p) => p.name),
      );
    return projection;
  }

  /** The tables queries should read now. */
  tables(name: string): Tables {
    const entry = this.registry.get(name);
    if (entry) return entry.tables;
    const projection = this.projection(name);
    this.registry.register(projection);
    const tables = this.registry.get(name)!.tables;
    projection.setup(this.db, tables);
    return tables;
  }

  start(): void {
    this.running = true;
    for (const projection of this.projections) {
      const entry = this.registry.get(projection.name) ?? this.registry.register(projection);
      if (entry.version === projection.version) {
        this.startLive(projection, entry.generation, entry.tables);
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
  checkpoint(name: string): number {
    const entry = this.registry.get(name);
    if (!entry) return 0;
    return this.checkpoints.get(checkpointName(name, entry.version, entry.generation));
  }

  /** Resolves true once the live generation has passed `position`; false after `timeoutMs`. */
  async waitFor(name: string, position: number, timeoutMs = 5000): Promise<boolean> {
    const writer = this.live.get(name);
    if (writer && !writer.superseded) {
      if (await writer.follower.waitFor(position, timeoutMs)) return true;
    }
    // No writer here (workers elsewhere) or the generation changed: watch the shared checkpoint.
    const deadline = Date.now() + timeoutMs;
    while (this.checkpoint(name) < position) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  status(): ProjectionStatus[] {
    return this.projections.map((projection) => {
      const entry = this.registry.get(projection.name);
      const building = entry?.building ?? null;
      return {
        name: projection.name,
        version: entry?.version ?? projection.version,
        generation: entry?.generation ?? 0,
        checkpoint: this.checkpoint(projection.name),
        state: building ? 'rebuilding' : 'live',
        rebuild: building
          ? {
              ...building,
              checkpoint: this.checkpoints.get(checkpointName(projection.name, building.version, building.generation)),
            }
          : null,
      };
    });
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

  private async build(projection: SqliteProjection, onProgress?: (position: number) => void): Promise<void> {
    const entry = this.registry.get(projection.name) ?? this.registry.register(projection);
    const resumable = entry?.building?.version === projection.version ? entry.building.generation : undefined;
    const { generation, tables } =
      resumable !== undefined
        ? { generation: resumable, tables: tablesOf(projection, resumable) }
        : this.registry.beginBuild(projection);
    let failure: unknown;
    const writer = new GenerationWriter(
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
    const old = this.db.transaction(() => this.registry.swap(projection, generation)).immediate();
    this.options.onSwap?.(projection.name, projection.version, generation);
    const previous = this.live.get(projection.name);
    if (previous) {
      await previous.follower.stop();
      this.live.delete(projection.name);
    }
    if (old && JSON.stringify(old) !== JSON.stringify(tables)) {
      for (const table of Object.values(old)) this.db.exec(`DROP TABLE IF EXISTS "${table}"`);
    }
    if (this.running) this.startLive(projection, generation, tables);
  }

  private startLive(projection: SqliteProjection, generation: number, tables: Tables): void {
    const writer = new GenerationWriter(
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
            void writer.follower.stop().then(() => {
              if (this.live.get(projection.name) !== writer || !this.running) return;
              this.live.delete(projection.name);
              const entry = this.registry.get(projection.name);
              if (entry && entry.version === projection.version)
                this.startLive(projection, entry.generation, entry.tables);
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
