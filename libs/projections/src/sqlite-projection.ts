import type { EventStore, RecordedEvent } from '@accord/event-store';
import type Database from 'better-sqlite3';
import { LogFollower } from './log-follower';
import { SqliteCheckpoints } from './sqlite-checkpoints';

/** A read model in SQLite, fed from the global log. */
export interface SqliteProjection {
  readonly name: string;
  /** Bump when the code changes what the tables hold. */
  readonly version: number;
  /** Creates the tables (idempotent). */
  setup(db: Database.Database): void;
  /** Applies one event; called inside the batch's transaction. */
  apply(db: Database.Database, event: RecordedEvent): void;
}

/**
 * Runs projections: each batch's row changes and the checkpoint commit in one
 * transaction, so every event takes effect exactly once across crashes.
 */
export class SqliteProjectionRunner {
  private readonly followers = new Map<string, LogFollower>();
  private readonly checkpoints: SqliteCheckpoints;

  constructor(
    private readonly store: EventStore,
    private readonly db: Database.Database,
    private readonly projections: readonly SqliteProjection[],
    private readonly onError: (projection: string, error: unknown) => void = () => undefined,
  ) {
    this.checkpoints = new SqliteCheckpoints(db);
    for (const projection of projections) projection.setup(db);
  }

  start(): void {
    for (const projection of this.projections) {
      const name = `projection:${projection.name}:v${projection.version}`;
      const applyBatch = this.db.transaction((events: readonly RecordedEvent[]) => {
        for (const event of events) projection.apply(this.db, event);
        this.checkpoints.set(name, events[events.length - 1].position);
      });
      const follower = new LogFollower(this.store, {
        after: this.checkpoints.get(name),
        batchSize: 1000,
        handle: (events) => applyBatch(events),
        onError: (error) => this.onError(projection.name, error),
      });
      this.followers.set(projection.name, follower);
      follower.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.followers.values()].map((f) => f.stop()));
  }

  /** Resolves once every projection has read to the end of the log at least once. */
  async caughtUp(): Promise<void> {
    await Promise.all([...this.followers.values()].map((f) => f.caughtUp));
  }

  position(name: string): number {
    return this.followers.get(name)?.position ?? 0;
  }

  /** Resolves true once the projection has handled every event up to `position`. */
  waitFor(name: string, position: number, timeoutMs?: number): Promise<boolean> {
    const follower = this.followers.get(name);
    return follower ? follower.waitFor(position, timeoutMs) : Promise.resolve(false);
  }
}
