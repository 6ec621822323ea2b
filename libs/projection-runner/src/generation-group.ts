import type { EventStore, RecordedEvent } from '@accord/event-store';
import { BatchRows, RowCache } from './batch-rows';
import type { Checkpoints } from './checkpoints';
import { failureAt, type EventFailure, type FailureLog } from './failures';
import { LogFollower } from './log-follower';
import type { Projection, Tables } from './projection';
import type { ProjectionRegistry, RegistryEntry } from './projection-registry';
import { createTableSql, type SqlDb, type SqlRunner, type TableSpec } from '@accord/sql';
import type { SqliteBuildWriter, WriteOutcome } from './sqlite-build-writer';

export const checkpointName = (name: string, version: number, generation: number) =>
  `projection:${name}:v${version}:g${generation}`;

export async function setupTables(db: SqlDb, projection: Projection, tables: Tables): Promise<void> {
  for (const spec of projection.tables) await db.exec(createTableSql(db.dialect, spec, tables[spec.name]));
}

/** One generation of one projection, as a group writes it. */
export interface Member {
  readonly projection: Projection;
  readonly generation: number;
  readonly tables: Tables;
  readonly checkpoint: string;
  /** The last event applied (and committed). */
  position: number;
  readonly specs: ReadonlyMap<string, TableSpec>;
  readonly cache: RowCache;
  /** Positions of the events it passes over (skips on record). */
  skips: ReadonlySet<number>;
  /** The event it failed on, until it passes it. */
  failure?: EventFailure;
  /** Failures in a row on that event. */
  attempts: number;
  /** While set, it is out of the follower's way, and tries its event again at this instant (ms). */
  retryAt?: number;
  retryTimer?: NodeJS.Timeout;
}

/** One batch of the log a group applies: which projections, and the events after `after`. */
export interface BatchInfo {
  readonly role: 'live' | 'build';
  readonly projections: readonly string[];
  readonly events: readonly RecordedEvent[];
  readonly after: number;
}

export type AroundBatch = (batch: BatchInfo, run: () => Promise<number>) => Promise<number>;

export interface GroupOptions {
  /** Events read per page and written per transaction. */
  readonly batchSize: number;
  /** Rows per table each member keeps in memory between batches. */
  readonly cacheRows: number;
  readonly onError: (projection: string, error: unknown) => void;
  /** A member's generation is no longer the one to write here (it is out of the group). */
  readonly onSuperseded?: (member: Member) => void;
  /** After each batch, with the position every member has reached (committed). */
  readonly onBatch?: (position: number) => void;
  /** Runs each batch (tracing wraps it in a span); the batch as it is when absent. */
  readonly aroundBatch?: AroundBatch;
  /**
   * Writes batches on another thread: each batch is applied while the one before it is
   * being written (at most one in flight). Given only for builds on SQLite.
   */
  readonly writer?: () => SqliteBuildWriter;
  /** The first pause before a failed live member tries its event again; doubled each time (default 1 s). */
  readonly retryMs?: number;
  /** The longest such pause (default 15 s): how soon a skip recorded by another process is taken. */
  readonly maxRetryMs?: number;
}

/** A projection of the group stopped on an event: it goes no further until it passes it. */
export class ProjectionFailedError extends Error {
  constructor(
    readonly projection: string,
    readonly failure: EventFailure,
    options?: { cause?: unknown },
  ) {
    super(
      `${projection} failed on event ${failure.position} (${failure.type} ${failure.eventId}): ${failure.error}`,
      options,
    );
    this.name = 'ProjectionFailedError';
  }
}

/** One member's part of a batch: its rows, and the position its checkpoint moves to. */
interface Work {
  readonly member: Member;
  readonly rows: BatchRows;
  readonly last: number;
  outcome?: WriteOutcome;
}

/** A batch handed to the writer and not landed yet; its rows are already in the members' caches. */
interface InFlight {
  readonly work: readonly Work[];
  readonly last: number;
  readonly outcomes: Promise<WriteOutcome[]>;
}

/** The projection's own code (`reads` or `apply`) threw on `events[index]`. */
class EventError extends Error {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {
    super('the projection failed on an event');
  }
}

/** Index of the first event after `position` (events are in position order). */
function firstAfter(events: readonly RecordedEvent[], position: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (events[mid].position <= position) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Generations of several projections fed by one follower: each page of the log is read
 * once, applied to every member in memory, and written (every member's rows and its
 * checkpoint) in one transaction. Members keep their own checkpoints: the follower reads
 * from the lowest, and each member skips the events at or below its own.
 *
 * Inside the transaction each member checks that its generation is still the one to write
 * (the registry) and that no other writer moved its checkpoint, so two processes may
 * follow the same generation (an API and a CLI rebuild) without applying an event twice.
 *
 * A member that fails (its code throws, or its rows cannot be written) goes on alone, in
 * transactions of its own, up to the event it fails on; the others commit without it. A
 * failed live member stops just before that event, with the failure on record, out of the
 * follower's way: it tries that event again now and then, alone, and rejoins once past it
 * (its code fixed, or the event skipped). A failed build member leaves the build (decision 0012).
 */
export class GenerationGroup {
  private follower: LogFollower | undefined;
  private writer: SqliteBuildWriter | undefined;
  private inFlight: InFlight | undefined;
  /** The writer thread died: the rest of the build is written here. */
  private writerBroken = false;
  /** A batch failed on the writer thread: the next is written here, where a failing member can be isolated. */
  private writeNextHere = false;
  private readonly members = new Map<string, Member>();
  private readonly waiters = new Set<{ member: Member; position: number; resolve: () => void }>();
  /** Members that wrote past the event they had failed on: their failure is to be cleared. */
  private readonly passed = new Set<Member>();
  /** Members that left this build because of an event they failed on. */
  private readonly left: { member: Member; failure: EventFailure }[] = [];
  private running = false;
  private interrupted = false;
  private emptied!: () => void;
  /** Resolves when the last member left the group. */
  private readonly empty = new Promise<void>((resolve) => (this.emptied = resolve));

  constructor(
    private readonly store: EventStore,
    private readonly db: SqlDb,
    private readonly registry: ProjectionRegistry,
    private readonly checkpoints: Checkpoints,
    private readonly failures: FailureLog,
    readonly role: 'live' | 'build',
    private readonly options: GroupOptions,
  ) {}

  member(name: string): Member | undefined {
    return this.members.get(name);
  }

  get size(): number {
    return this.members.size;
  }

  all(): Member[] {
    return [...this.members.values()];
  }

  /** The members that left this build at an event they failed on. */
  failed(): readonly { member: Member; failure: EventFailure }[] {
    return this.left;
  }

  /** Adds (or replaces) the generation written for a projection, from its checkpoint. */
  async add(projection: Projection, generation: number, tables: Tables): Promise<Member> {
    await setupTables(this.db, projection, tables);
    const checkpoint = checkpointName(projection.name, projection.version, generation);
    const position = await this.checkpoints.get(checkpoint);
    const failure = await this.failures.get(checkpoint);
    const member: Member = {
      projection,
      generation,
      tables,
      checkpoint,
      position,
      specs: new Map(projection.tables.map((t) => [t.name, t])),
      cache: new RowCache(this.options.cacheRows),
      skips: await this.failures.skipped(projection.name),
      failure: failure && failure.position > position ? failure : undefined,
      attempts: 0,
    };
    const replaced = this.members.get(projection.name);
    if (replaced) this.unpark(replaced);
    this.members.set(projection.name, member);
    this.notify();
    if (this.follower) this.follower.rewind(member.position);
    else if (this.running) this.startFollower();
    return member;
  }

  /** Takes a member out (if it is still the one for its projection). */
  remove(member: Member): void {
    if (this.members.get(member.projection.name) !== member) return;
    this.unpark(member);
    this.members.delete(member.projection.name);
    this.notify();
    if (this.members.size === 0) this.emptied();
  }

  /** A skip was recorded for a projection: its member takes it, and a failed one tries again now. */
  skipped(name: string, position: number): void {
    const member = this.members.get(name);
    if (!member) return;
    member.skips = new Set([...member.skips, position]);
    if (member.retryAt !== undefined) {
      member.retryAt = Date.now();
      this.follower?.wake();
    }
  }

  start(): void {
    if (this.interrupted) return;
    this.running = true;
    if (this.members.size > 0) this.startFollower();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const member of this.members.values()) clearTimeout(member.retryTimer);
    await this.follower?.stop();
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    if (inFlight) {
      await this.land(inFlight).catch((error: unknown) => {
        for (const w of inFlight.work) this.options.onError(w.member.projection.name, error);
      });
      await this.clearPassed();
    }
    await this.writer?.close();
    this.writer = undefined;
    this.emptied();
    for (const waiter of this.waiters) waiter.resolve();
  }

  /** Resolves the first time every member has read to the end of the log (at once if there is none). */
  caughtUp(): Promise<void> {
    return this.follower?.caughtUp ?? Promise.resolve();
  }

  /**
   * Runs until every member reached the end of the log, or none is left, or `interrupt`;
   * then stops. Resolves false when interrupted.
   */
  async runToEnd(): Promise<boolean> {
    this.start();
    if (!this.interrupted) await Promise.race([this.caughtUp(), this.empty]);
    await this.stop();
    return !this.interrupted;
  }

  /** Stops `runToEnd` where it is: each member keeps its checkpoint, to resume from. */
  interrupt(): Promise<void> {
    this.interrupted = true;
    return this.stop();
  }

  /** Resolves true once `member` has passed `position`; false after `timeoutMs` or when it leaves. */
  waitFor(member: Member, position: number, timeoutMs: number): Promise<boolean> {
    if (member.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        member,
        position,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(member.position >= position);
        },
      };
      const timer = setTimeout(waiter.resolve, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (
        waiter.member.position >= waiter.position ||
        this.members.get(waiter.member.projection.name) !== waiter.member
      )
        waiter.resolve();
    }
  }

  /** The lowest checkpoint of the members in the follower's pass (failed ones waiting to retry are not). */
  private lowest(otherwise: number): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const member of this.members.values()) {
      if (member.retryAt === undefined) lowest = Math.min(lowest, member.position);
    }
    return lowest === Number.POSITIVE_INFINITY ? otherwise : lowest;
  }

  private startFollower(): void {
    this.follower = new LogFollower(this.store, {
      after: this.lowest(0),
      batchSize: this.options.batchSize,
      handle: (events, after) => {
        const around = this.options.aroundBatch;
        if (!around) return this.applyBatch(events, after);
        const projections = [...this.members.values()].map((member) => member.projection.name);
        return around({ role: this.role, projections, events, after }, () => this.applyBatch(events, after));
      },
      settle: () => this.settle(),
      onError: (error) => {
        for (const member of this.members.values()) this.options.onError(member.projection.name, error);
      },
    });
    this.follower.start();
  }

  private stillMine(member: Member, entry: RegistryEntry | undefined): boolean {
    return this.role === 'live'
      ? entry?.generation === member.generation && entry.version === member.projection.version
      : entry?.building?.generation === member.generation || entry?.generation === member.generation;
  }

  private superseded(member: Member): void {
    this.remove(member);
    // Its failure, if any, goes with its generation (status reads only the current ones').
    if (member.failure) this.failures.clear(member.checkpoint).catch(() => undefined);
    this.options.onSuperseded?.(member);
  }

  /** True (and the member is out) when its generation is no longer the one to write here. */
  private async supersededNow(member: Member): Promise<boolean> {
    try {
      if (this.stillMine(member, await this.registry.get(member.projection.name))) return false;
    } catch {
      return false; // the registry cannot be read: the write that follows fails and says why
    }
    this.superseded(member);
    return true;
  }

  private async applyBatch(events: readonly RecordedEvent[], after: number): Promise<number> {
    await this.retryDue();
    const last = events[events.length - 1].position;
    const inFlight = this.inFlight;
    // Members whose previous batch is still being written go on from where it leaves them.
    const unwritten = new Map(inFlight?.work.map((w) => [w.member, w.rows]));
    const work: Work[] = [];
    const troubled: Member[] = [];
    for (const member of [...this.members.values()]) {
      if (member.retryAt !== undefined) continue; // failed: out of the way until it tries again
      const at = unwritten.has(member) ? inFlight!.last : member.position;
      // Behind this page (it joined while the page was read): the follower goes back for it.
      if (at >= last || at < after) continue;
      try {
        const rows = await this.compute(member, events, firstAfter(events, at), events.length, unwritten.get(member));
        work.push({ member, rows, last });
      } catch (error) {
        // A swap elsewhere may have dropped these tables already.
        if (!(error instanceof EventError) && (await this.supersededNow(member))) continue;
        troubled.push(member);
      }
    }
    if (inFlight) {
      this.inFlight = undefined;
      // This batch was computed from the one in flight: if that did not land as written, drop
      // this one too and read again from where the members are.
      if (!(await this.land(inFlight))) return this.lowest(last);
    }
    for (const member of troubled) await this.isolate(member, events, after);
    if (work.length > 0) {
      if (this.options.writer && !this.writerBroken && !this.writeNextHere) {
        if (!this.running) return this.lowest(last); // stopping: nothing more to hand off
        this.handOff(work, last);
      } else {
        try {
          await this.writeHere(work);
        } catch {
          // One transaction for all failed: each goes alone, so that only the one that cannot pass stops.
          for (const w of work) await this.isolate(w.member, events, after);
        }
        this.writeNextHere = false;
      }
    }
    await this.clearPassed();
    if (!this.inFlight) {
      this.notify();
      this.options.onBatch?.(this.lowest(last));
    }
    return this.lowestApplied(last);
  }

  /** Where every member in the follower's pass will be once the batch in flight lands. */
  private lowestApplied(otherwise: number): number {
    const inFlight = this.inFlight;
    let lowest = Number.POSITIVE_INFINITY;
    for (const member of this.members.values()) {
      if (member.retryAt !== undefined) continue;
      const ahead = inFlight?.work.some((w) => w.member === member) ? inFlight.last : member.position;
      lowest = Math.min(lowest, ahead);
    }
    return lowest === Number.POSITIVE_INFINITY ? otherwise : lowest;
  }

  /**
   * The member's rows after `events[from..to)` (but the skipped ones), from its rows as
   * committed, or as the batch in flight leaves them. Throws EventError when its code throws.
   */
  private async compute(
    member: Member,
    events: readonly RecordedEvent[],
    from: number,
    to: number,
    unwritten?: BatchRows,
  ): Promise<BatchRows> {
    const { projection, skips } = member;
    const wanted = new Map<string, Set<string>>();
    for (let i = from; i < to; i++) {
      if (skips.size > 0 && skips.has(events[i].position)) continue;
      let reads: ReturnType<Projection['reads']>;
      try {
        reads = projection.reads(events[i]);
      } catch (error) {
        throw new EventError(i, error);
      }
      for (const [table, key] of reads) {
        let keys = wanted.get(table);
        if (!keys) wanted.set(table, (keys = new Set()));
        keys.add(key);
      }
    }
    const rows = await BatchRows.load(this.db, member.specs, member.tables, member.cache, wanted, unwritten);
    for (let i = from; i < to; i++) {
      if (skips.size > 0 && skips.has(events[i].position)) continue;
      try {
        projection.apply(events[i], rows);
      } catch (error) {
        throw new EventError(i, error);
      }
    }
    return rows;
  }

  /** Each member's rows and checkpoint, in the transaction `tx`, each with its registry and checkpoint checks. */
  private async writeWork(tx: SqlRunner, work: readonly Work[]): Promise<void> {
    const entries = await this.registry.all(tx);
    const stored = await this.checkpoints.getMany(
      work.map((w) => w.member.checkpoint),
      tx,
    );
    for (const w of work) {
      if (!this.stillMine(w.member, entries.get(w.member.projection.name))) {
        w.outcome = 'superseded';
        continue;
      }
      const at = stored.get(w.member.checkpoint) ?? 0;
      if (at !== w.member.position) {
        w.outcome = at; // another writer got elsewhere: go on from there
        continue;
      }
      await w.rows.write(tx, w.member.tables);
      await this.checkpoints.set(w.member.checkpoint, w.last, tx);
      w.outcome = 'written';
    }
  }

  /** Every member's rows and checkpoint in one transaction on this connection. */
  private async writeHere(work: readonly Work[]): Promise<void> {
    await this.db.transaction((tx) => this.writeWork(tx, work), { durable: this.role === 'live' });
    for (const w of work) {
      this.record(w);
      if (w.outcome === 'written') w.member.cache.keep(w.rows);
    }
  }

  /** Applies and writes `events[from..to)` for one member, in a transaction of its own; true when written. */
  private async writeAlone(
    member: Member,
    events: readonly RecordedEvent[],
    from: number,
    to: number,
  ): Promise<boolean> {
    const work: Work = { member, rows: await this.compute(member, events, from, to), last: events[to - 1].position };
    await this.writeHere([work]);
    return work.outcome === 'written';
  }

  /**
   * Takes one member through `events` alone, as far as it goes: at once if it can; else up
   * to the event its code throws on, or (when a write fails) by halves down to the event
   * whose rows cannot be written. It stops just before that event, with the failure on record.
   */
  private async isolate(member: Member, events: readonly RecordedEvent[], after: number): Promise<void> {
    if (this.members.get(member.projection.name) !== member || member.position < after) return;
    let from = firstAfter(events, member.position);
    let to = events.length;
    let problem: { index: number; error: unknown } | undefined;
    let writeFails = false;
    while (from < to && !writeFails) {
      try {
        if (!(await this.writeAlone(member, events, from, to))) return; // superseded, or moved elsewhere
        from = to;
      } catch (error) {
        if (error instanceof EventError) {
          problem = { index: error.index, error: error.error };
          to = error.index; // what comes before it, at once
        } else writeFails = true;
      }
    }
    if (writeFails) {
      // Writing events[from..bad) fails: halve it down to the first event that fails alone.
      let bad = to;
      while (bad - from > 1) {
        const mid = from + ((bad - from) >>> 1);
        try {
          if (!(await this.writeAlone(member, events, from, mid))) return;
          from = mid;
        } catch {
          bad = mid;
        }
      }
      try {
        await this.writeAlone(member, events, from, from + 1);
        return; // it passes alone (the failure came and went): the follower comes back for the rest
      } catch (error) {
        problem = { index: from, error: error instanceof EventError ? error.error : error };
      }
    }
    if (problem) await this.fail(member, events[problem.index], problem.error);
  }

  /** Records that `member` stopped on `event`: a live member waits to try again, a build member leaves. */
  private async fail(member: Member, event: RecordedEvent, error: unknown): Promise<void> {
    const { name } = member.projection;
    member.attempts = member.failure?.position === event.position ? member.attempts + 1 : 1;
    member.failure = failureAt(event, error, member.failure);
    this.passed.delete(member);
    this.options.onError(name, new ProjectionFailedError(name, member.failure, { cause: error }));
    try {
      await this.failures.record(member.checkpoint, name, member.failure);
    } catch (recordError) {
      this.options.onError(name, recordError); // kept in memory: this process still reports it
    }
    if (this.role === 'build') {
      // The build stops there (and says so); the next rebuild resumes it from its checkpoint.
      this.left.push({ member, failure: member.failure });
      this.remove(member);
    } else this.park(member);
  }

  /** Out of the follower's way until its next try, after a pause that doubles with each failure. */
  private park(member: Member): void {
    const first = this.options.retryMs ?? 1000;
    const pause = Math.min(first * 2 ** Math.min(member.attempts - 1, 20), this.options.maxRetryMs ?? 15_000);
    clearTimeout(member.retryTimer);
    member.retryAt = Date.now() + pause;
    member.retryTimer = setTimeout(() => this.follower?.wake(), pause);
  }

  private unpark(member: Member): void {
    clearTimeout(member.retryTimer);
    member.retryTimer = undefined;
    member.retryAt = undefined;
  }

  /** Failed members whose pause is over try their event again (in the follower's loop, between batches). */
  private async retryDue(): Promise<void> {
    const now = Date.now();
    for (const member of [...this.members.values()]) {
      if (member.retryAt !== undefined && member.retryAt <= now) await this.retry(member);
    }
  }

  /** Reads a short page after the member's checkpoint for it alone; once past its event, it rejoins the pass. */
  private async retry(member: Member): Promise<void> {
    const { name } = member.projection;
    try {
      if (await this.supersededNow(member)) return;
      member.skips = await this.failures.skipped(name); // another process may have recorded one
      const events = await this.store.readAll({
        after: member.position,
        maxCount: Math.min(this.options.batchSize, 100),
      });
      this.unpark(member);
      if (events.length > 0) await this.isolate(member, events, member.position);
    } catch (error) {
      this.options.onError(name, error);
      if (this.members.get(name) === member && member.retryAt === undefined) {
        member.attempts++;
        this.park(member);
      }
      return;
    }
    await this.clearPassed();
    if (this.members.get(name) === member && member.retryAt === undefined) this.follower?.rewind(member.position);
  }

  /** Hands the batch to the writer thread and returns at once; the next batch lands it. */
  private handOff(work: Work[], last: number): void {
    this.writer ??= this.options.writer!();
    const outcomes = this.writer.write(
      work.map(({ member, rows }) => ({
        name: member.projection.name,
        generation: member.generation,
        checkpoint: member.checkpoint,
        expected: member.position,
        statements: rows.statements(member.tables),
      })),
      last,
    );
    outcomes.catch(() => undefined); // awaited by land
    // The next batch reads these rows from the cache; if they do not land, it is cleared.
    for (const w of work) w.member.cache.keep(w.rows);
    this.inFlight = { work, last, outcomes };
  }

  /**
   * Waits for the batch in flight and records where it left each member. Resolves true when
   * it was written for every member; rejects when the transaction failed, after sending the
   * follower back to read it again (written here, where a member that fails can be isolated).
   */
  private async land(inFlight: InFlight): Promise<boolean> {
    let outcomes: WriteOutcome[];
    try {
      outcomes = await inFlight.outcomes;
    } catch (error) {
      for (const w of inFlight.work) w.member.cache.clear();
      if (this.writer?.broken) this.writerBroken = true;
      this.writeNextHere = true;
      this.follower?.rewind(this.lowest(0));
      throw error;
    }
    let written = true;
    inFlight.work.forEach((w, i) => {
      w.outcome = outcomes[i];
      if (w.outcome !== 'written') written = false;
      this.record(w);
    });
    this.notify();
    this.options.onBatch?.(this.lowest(inFlight.last));
    return written;
  }

  /** Lands the batch in flight once the log is read to its end; failed members due to try again do. */
  private async settle(): Promise<void | number> {
    await this.retryDue();
    const inFlight = this.inFlight;
    if (!inFlight) return;
    this.inFlight = undefined;
    const landed = await this.land(inFlight);
    await this.clearPassed();
    if (!landed) return this.lowest(inFlight.last);
  }

  private record(w: Work): void {
    const { member } = w;
    if (w.outcome === 'superseded') this.superseded(member);
    else if (typeof w.outcome === 'number') {
      member.position = w.outcome;
      member.cache.clear();
    } else {
      member.position = w.last;
      if (member.failure && member.position >= member.failure.position) this.passed.add(member);
    }
  }

  /** Forgets the failures of the members that wrote past their event. */
  private async clearPassed(): Promise<void> {
    for (const member of [...this.passed]) {
      this.passed.delete(member);
      member.failure = undefined;
      member.attempts = 0;
      try {
        await this.failures.clear(member.checkpoint);
      } catch (error) {
        this.options.onError(member.projection.name, error);
      }
    }
  }
}
