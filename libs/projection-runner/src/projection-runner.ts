import type { EventStore } from '@accord/event-store';
import { Checkpoints } from './checkpoints';
import { FailureLog, type EventFailure, type RecordedSkip } from './failures';
import { checkpointName, GenerationGroup, setupTables, type AroundBatch, type Member } from './generation-group';
import { tablesOf, type Projection, type Tables } from './projection';
import { ProjectionRegistry } from './projection-registry';
import { RetiredTables } from './retired-tables';
import type { SqlDb } from '@accord/sql';
import { SqliteBuildWriter } from './sqlite-build-writer';
import { SqliteDb } from '@accord/sql';

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly generation: number;
  readonly checkpoint: number;
  /** failed: the live generation stopped on an event (`failure`), and serves what it had before it. */
  readonly state: 'live' | 'rebuilding' | 'failed';
  /** The event the live generation stopped on: its checkpoint is just before it (omitted when none). */
  readonly failure?: EventFailure;
  /** Generation being built, with its checkpoint, and the event it stopped on if it did. */
  readonly rebuild: { version: number; generation: number; checkpoint: number; failure?: EventFailure } | null;
  /** Tables of swapped-out generations still being emptied and dropped (in the background). */
  readonly retiring: readonly string[];
}

/** Who skips which event of a projection, and why. */
export interface SkipRequest {
  readonly position: number;
  readonly reason: string;
  readonly by: string;
  /** Skip it even though the projection has not failed on it. */
  readonly force?: boolean;
}

export interface RunnerOptions {
  readonly onError?: (projection: string, error: unknown) => void;
  readonly onSwap?: (projection: string, version: number, generation: number) => void;
  /** Runs each batch of the live projections and of rebuilds (the API traces them); absent: the batch alone. */
  readonly aroundBatch?: AroundBatch;
  /** Events per transaction while following the log live (default 2000). */
  readonly batchSize?: number;
  /** Events per transaction while building a generation (default 20,000). */
  readonly buildBatchSize?: number;
  /** Rows per table each generation keeps in memory between batches (default 2,000 live, 20,000 building). */
  readonly cacheRows?: number;
  /**
   * A build on a SQLite file writes its batches on a thread of its own, while the next
   * batch is read and applied (default true). PostgreSQL builds and live batches never do.
   */
  readonly buildOffThread?: boolean;
  /**
   * That thread runs at the lowest priority (BACKGROUND_NICE), giving way to the thread that
   * serves requests (default true). A CLI rebuild sets false: nothing waits on it there, and a
   * niced writer on a busy host only stalls the reading thread, which waits on each batch it hands
   * over (decision 0038).
   */
  readonly backgroundWriter?: boolean;
  /** The first pause before a failed live projection tries its event again, doubled each time (default 1 s). */
  readonly retryMs?: number;
  /** The longest such pause (default 15 s): how soon a skip recorded by another process is taken. */
  readonly maxRetryMs?: number;
  /**
   * Rows deleted per transaction when a swapped-out generation's SQLite tables are dropped,
   * with a pause between (the API sets it: dropping a table of a million rows in one statement
   * holds the database for a quarter of a second). On a SQLite file the slices run on a thread
   * of their own. Unset: one DROP TABLE each.
   */
  readonly dropSlice?: number;
}

/**
 * Runs projections from the global log. Each projection has a live generation (the
 * tables queries read) and, during a rebuild or after its version changed, a new
 * generation built beside it from position 0 and swapped in atomically once caught up.
 * The live generations share one follower and one transaction a batch; so do the
 * generations one rebuild builds (decision 0007).
 */
export class ProjectionRunner {
  readonly registry: ProjectionRegistry;
  private readonly checkpoints: Checkpoints;
  readonly failures: FailureLog;
  private readonly retired: RetiredTables;
  private live: GenerationGroup | undefined;
  private readonly builds = new Map<string, Promise<void>>();
  private readonly building = new Set<GenerationGroup>();
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
    this.failures = new FailureLog(db);
    const offThread = this.offThreadWriter();
    this.retired = new RetiredTables(db, this.registry, {
      slice: options.dropSlice,
      ...(offThread ? { offThread } : {}),
      onError: (name, error) => this.options.onError?.(name, error),
    });
  }

  /** Creates the registry and checkpoint tables (idempotent); every method awaits it. */
  setup(): Promise<void> {
    this.ready ??= (async () => {
      await this.registry.setup();
      await this.checkpoints.setup();
      await this.failures.setup();
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
    const live = new GenerationGroup(this.store, this.db, this.registry, this.checkpoints, this.failures, 'live', {
      batchSize: this.options.batchSize ?? 2000,
      cacheRows: this.options.cacheRows ?? 2000,
      onError: (name, error) => this.options.onError?.(name, error),
      onSuperseded: (member) => void this.followLive(member),
      aroundBatch: this.options.aroundBatch,
      retryMs: this.options.retryMs,
      maxRetryMs: this.options.maxRetryMs,
    });
    this.live = live;
    const toBuild: string[] = [];
    for (const projection of this.projections) {
      const entry = (await this.registry.get(projection.name)) ?? (await this.registry.register(projection));
      if (entry.version === projection.version) {
        await live.add(projection, entry.generation, entry.tables);
        if (entry.building?.version === projection.version) toBuild.push(projection.name);
      } else {
        // The code changed: keep serving the old version while the new one is built.
        toBuild.push(projection.name);
      }
    }
    live.start();
    // Tables a swap retired and a stop or a crash left undropped.
    this.retired.start().catch((error: unknown) => this.options.onError?.('retired tables', error));
    if (toBuild.length > 0) {
      this.rebuild(toBuild).catch((error: unknown) => {
        for (const name of toBuild) this.options.onError?.(name, error);
      });
    }
  }

  /** Stops following the log; builds in progress stop too, to resume from their checkpoints. */
  async stop(): Promise<void> {
    this.running = false;
    await this.live?.stop();
    this.live = undefined;
    await Promise.all([...this.building].map((group) => group.interrupt()));
    await this.retired.stop();
    await Promise.all([...this.builds.values()].map((b) => b.catch(() => undefined)));
  }

  /** Resolves once every live projection has read to the end of the log at least once. */
  async caughtUp(): Promise<void> {
    await this.live?.caughtUp();
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
    const member = this.live?.member(name);
    if (member && (await this.registry.get(name))?.generation === member.generation) {
      if (await this.live!.waitFor(member, position, timeoutMs)) return true;
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
    const entries = await this.registry.all();
    const recorded = await this.failures.all();
    const followers = [...entries.values()].flatMap((e) => [
      checkpointName(e.name, e.version, e.generation),
      ...(e.building ? [checkpointName(e.name, e.building.version, e.building.generation)] : []),
    ]);
    const positions = await this.checkpoints.getMany(followers);
    const retired = await this.registry.retired();
    /** The follower's failure, unless it has passed it since (a crash between the two writes). */
    const failureOf = (follower: string): { checkpoint: number; failure?: EventFailure } => {
      const checkpoint = positions.get(follower) ?? 0;
      const failure = this.failureHere(follower) ?? recorded.get(follower);
      return failure && failure.position > checkpoint ? { checkpoint, failure } : { checkpoint };
    };
    const statuses: ProjectionStatus[] = [];
    for (const projection of this.projections) {
      const entry = entries.get(projection.name);
      const building = entry?.building ?? null;
      const live = entry ? failureOf(checkpointName(entry.name, entry.version, entry.generation)) : { checkpoint: 0 };
      const build = building ? failureOf(checkpointName(projection.name, building.version, building.generation)) : null;
      statuses.push({
        name: projection.name,
        version: entry?.version ?? projection.version,
        generation: entry?.generation ?? 0,
        checkpoint: live.checkpoint,
        state: live.failure ? 'failed' : building ? 'rebuilding' : 'live',
        ...(live.failure ? { failure: live.failure } : {}),
        rebuild:
          building && build
            ? { ...building, checkpoint: build.checkpoint, ...(build.failure ? { failure: build.failure } : {}) }
            : null,
        retiring: retired.filter((r) => r.projection === projection.name).map((r) => r.table),
      });
    }
    return statuses;
  }

  /** Every skip on record (of one projection, when named), in position order. */
  async skips(name?: string): Promise<RecordedSkip[]> {
    await this.setup();
    return this.failures.skips(name);
  }

  /**
   * Records that a projection passes over the event at `position` (every generation of it,
   * from now on), after checking that it failed on that event (unless `force`). A failed live
   * generation of this process takes it at once; that of another process at its next try
   * (within `maxRetryMs`); a build that stopped on it, with the next rebuild.
   */
  async skip(name: string, request: SkipRequest): Promise<RecordedSkip> {
    await this.setup();
    this.projection(name);
    const { position } = request;
    if (!Number.isSafeInteger(position) || position < 1) {
      throw new SkipRefusedError('NOT_FOUND', `There is no event at position ${position}`);
    }
    const [event] = await this.store.readAll({ after: position - 1, maxCount: 1 });
    if (!event || event.position !== position) {
      throw new SkipRefusedError('NOT_FOUND', `There is no event at position ${position}`);
    }
    if (!request.force) {
      const status = (await this.status()).find((s) => s.name === name)!;
      const failures = [status.failure, status.rebuild?.failure].filter((f) => f !== undefined);
      if (!failures.some((f) => f.position === position)) {
        const where = failures.length
          ? `it failed on ${failures.map((f) => f.position).join(' and ')}`
          : 'it has not failed';
        throw new SkipRefusedError(
          'NOT_FAILED_THERE',
          `${name} has not failed on the event at position ${position} (${where}); force skips it anyway`,
        );
      }
    }
    await this.failures.skip({
      projection: name,
      position,
      eventId: event.id,
      type: event.type,
      reason: request.reason,
      by: request.by,
      at: new Date().toISOString(),
    });
    for (const group of [this.live, ...this.building]) group?.skipped(name, position);
    return (await this.failures.skips(name)).find((s) => s.position === position)!;
  }

  /** The failure this process holds for a follower (fresher than the record, or in place of it when that write failed). */
  private failureHere(follower: string): EventFailure | undefined {
    for (const group of [this.live, ...this.building]) {
      for (const member of group?.all() ?? []) if (member.checkpoint === follower) return member.failure;
    }
    return undefined;
  }

  /**
   * Replays the whole log into a new generation of each named projection while the live
   * ones keep serving, in one pass over the log, then swaps each in atomically and drops
   * its old tables. A build left unfinished (a crash) resumes from its checkpoint.
   * `onProgress` gets the position every projection of the pass has reached.
   */
  rebuild(names: string | readonly string[], onProgress?: (position: number) => void): Promise<void> {
    const projections = (typeof names === 'string' ? [names] : names).map((name) => this.projection(name));
    const pending: Promise<void>[] = [];
    const fresh: Projection[] = [];
    for (const projection of projections) {
      const existing = this.builds.get(projection.name);
      if (existing) pending.push(existing);
      else if (!fresh.includes(projection)) fresh.push(projection);
    }
    if (fresh.length > 0) {
      const build: Promise<void> = this.build(fresh, onProgress).finally(() => {
        for (const projection of fresh)
          if (this.builds.get(projection.name) === build) this.builds.delete(projection.name);
      });
      for (const projection of fresh) this.builds.set(projection.name, build);
      pending.push(build);
    }
    return Promise.all(pending).then(() => undefined);
  }

  private async build(projections: readonly Projection[], onProgress?: (position: number) => void): Promise<void> {
    await this.setup();
    const group = new GenerationGroup(this.store, this.db, this.registry, this.checkpoints, this.failures, 'build', {
      batchSize: this.options.buildBatchSize ?? 20_000,
      cacheRows: this.options.cacheRows ?? 20_000,
      onBatch: onProgress,
      aroundBatch: this.options.aroundBatch,
      onError: (name, error) => this.options.onError?.(name, error),
      writer: this.offThreadWriter(),
    });
    this.building.add(group);
    try {
      return await this.buildWith(group, projections);
    } finally {
      this.building.delete(group);
    }
  }

  private async buildWith(group: GenerationGroup, projections: readonly Projection[]): Promise<void> {
    for (const projection of projections) {
      const entry = (await this.registry.get(projection.name)) ?? (await this.registry.register(projection));
      const resumable = entry.building?.version === projection.version ? entry.building.generation : undefined;
      const { generation, tables } =
        resumable !== undefined
          ? { generation: resumable, tables: tablesOf(projection, resumable) }
          : await this.registry.beginBuild(projection);
      await group.add(projection, generation, tables);
    }
    if (!(await group.runToEnd())) return; // interrupted by stop(): resumes next time
    // Those still in the group caught up (the others were superseded, or failed): swap each in
    // one durable transaction, which also makes the build's relaxed commits durable.
    for (const { projection, generation, tables, checkpoint } of group.all()) {
      await this.registry.swap(projection, generation);
      // The failures of the generations it replaces go with them.
      await this.failures.clearOthers(projection.name, [checkpoint]);
      this.options.onSwap?.(projection.name, projection.version, generation);
      if (this.running && this.live) await this.live.add(projection, generation, tables);
    }
    // The tables the swaps retired; a stop meanwhile leaves the rest to the next start.
    await this.retired.drain();
    const failed = group.failed();
    if (failed.length > 0) {
      throw new RebuildFailedError(
        failed.map(({ member, failure }) => ({ projection: member.projection.name, failure })),
      );
    }
  }

  private offThreadWriter(): (() => SqliteBuildWriter) | undefined {
    const { db } = this;
    if (this.options.buildOffThread === false || !(db instanceof SqliteDb) || db.raw.memory) return undefined;
    const background = this.options.backgroundWriter !== false;
    return () => new SqliteBuildWriter(db.raw.name, { background });
  }

  /** A live generation was superseded (another process swapped one in): follow the registry's. */
  private async followLive(member: Member): Promise<void> {
    const live = this.live;
    if (!live || !this.running) return;
    const { projection } = member;
    try {
      const entry = await this.registry.get(projection.name);
      if (!entry || entry.version !== projection.version) return;
      if (live.member(projection.name)?.generation === entry.generation) return;
      await live.add(projection, entry.generation, entry.tables);
    } catch (error) {
      this.options.onError?.(projection.name, error);
    }
  }
}

/** A rebuild stopped for some projections, each on an event: the others were swapped in. */
export class RebuildFailedError extends Error {
  readonly code = 'REBUILD_FAILED';
  constructor(readonly failures: readonly { projection: string; failure: EventFailure }[]) {
    super(
      failures
        .map(
          ({ projection, failure: f }) =>
            `the rebuild of ${projection} stopped on event ${f.position} (${f.type} ${f.eventId}): ${f.error}`,
        )
        .join('; '),
    );
    this.name = 'RebuildFailedError';
  }
}

export class SkipRefusedError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'NOT_FAILED_THERE',
    message: string,
  ) {
    super(message);
    this.name = 'SkipRefusedError';
  }
}

export class UnknownProjectionError extends Error {
  readonly code = 'UNKNOWN_PROJECTION';
  constructor(name: string, known: string[]) {
    super(`There is no projection "${name}"; known: ${known.join(', ')}`);
    this.name = 'UnknownProjectionError';
  }
}
