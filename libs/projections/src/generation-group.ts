import type { EventStore, RecordedEvent } from '@accord/event-store';
import { BatchRows, RowCache } from './batch-rows';
import type { Checkpoints } from './checkpoints';
import { LogFollower } from './log-follower';
import type { Projection, Tables } from './projection';
import type { ProjectionRegistry, RegistryEntry } from './projection-registry';
import { createTableSql, type SqlDb, type TableSpec } from './sql/sql-db';
import type { SqliteBuildWriter, WriteOutcome } from './sql/sqlite-build-writer';

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
}

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
  /**
   * Writes batches on another thread: each batch is applied while the one before it is
   * being written (at most one in flight). Given only for builds on SQLite.
   */
  readonly writer?: () => SqliteBuildWriter;
}

/** One member's part of a batch: its rows, computed from its checkpoint `from`. */
interface Work {
  readonly member: Member;
  readonly rows: BatchRows;
  outcome?: WriteOutcome;
}

/** A batch handed to the writer and not landed yet; its rows are already in the members' caches. */
interface InFlight {
  readonly work: readonly Work[];
  readonly last: number;
  readonly outcomes: Promise<WriteOutcome[]>;
}

/** A batch left some member behind (already reported): the follower pauses and reads again from it. */
class BatchIncomplete extends Error {}

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
 */
export class GenerationGroup {
  private follower: LogFollower | undefined;
  private writer: SqliteBuildWriter | undefined;
  private inFlight: InFlight | undefined;
  /** The writer thread died: the rest of the build is written here. */
  private writerBroken = false;
  private readonly members = new Map<string, Member>();
  private readonly waiters = new Set<{ member: Member; position: number; resolve: () => void }>();
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

  /** Adds (or replaces) the generation written for a projection, from its checkpoint. */
  async add(projection: Projection, generation: number, tables: Tables): Promise<Member> {
    await setupTables(this.db, projection, tables);
    const checkpoint = checkpointName(projection.name, projection.version, generation);
    const member: Member = {
      projection,
      generation,
      tables,
      checkpoint,
      position: await this.checkpoints.get(checkpoint),
      specs: new Map(projection.tables.map((t) => [t.name, t])),
      cache: new RowCache(this.options.cacheRows),
    };
    this.members.set(projection.name, member);
    this.notify();
    if (this.follower) this.follower.rewind(member.position);
    else if (this.running) this.startFollower();
    return member;
  }

  /** Takes a member out (if it is still the one for its projection). */
  remove(member: Member): void {
    if (this.members.get(member.projection.name) !== member) return;
    this.members.delete(member.projection.name);
    this.notify();
    if (this.members.size === 0) this.emptied();
  }

  start(): void {
    if (this.interrupted) return;
    this.running = true;
    if (this.members.size > 0) this.startFollower();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.follower?.stop();
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    if (inFlight) {
      await this.land(inFlight).catch((error: unknown) => {
        for (const w of inFlight.work) this.options.onError(w.member.projection.name, error);
      });
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

  private lowest(otherwise: number): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const member of this.members.values()) lowest = Math.min(lowest, member.position);
    return lowest === Number.POSITIVE_INFINITY ? otherwise : lowest;
  }

  private startFollower(): void {
    this.follower = new LogFollower(this.store, {
      after: this.lowest(0),
      batchSize: this.options.batchSize,
      handle: (events) => this.applyBatch(events),
      settle: () => this.settle(),
      onError: (error) => {
        if (!(error instanceof BatchIncomplete)) {
          for (const member of this.members.values()) this.options.onError(member.projection.name, error);
        }
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
    this.options.onSuperseded?.(member);
  }

  private async applyBatch(events: readonly RecordedEvent[]): Promise<number> {
    const last = events[events.length - 1].position;
    const inFlight = this.inFlight;
    // Members whose previous batch is still being written go on from where it leaves them.
    const unwritten = new Map(inFlight?.work.map((w) => [w.member, w.rows]));
    const work: Work[] = [];
    let incomplete = false;
    for (const member of [...this.members.values()]) {
      const at = unwritten.has(member) ? inFlight!.last : member.position;
      if (at >= last) continue;
      const from = firstAfter(events, at);
      const { projection } = member;
      const wanted = new Map<string, Set<string>>();
      for (let i = from; i < events.length; i++) {
        for (const [table, key] of projection.reads(events[i])) {
          let keys = wanted.get(table);
          if (!keys) wanted.set(table, (keys = new Set()));
          keys.add(key);
        }
      }
      let rows: BatchRows;
      try {
        rows = await BatchRows.load(this.db, member.specs, member.tables, member.cache, wanted, unwritten.get(member));
      } catch (error) {
        // A swap elsewhere may have dropped these tables already.
        if (!this.stillMine(member, await this.registry.get(projection.name))) this.superseded(member);
        else {
          incomplete = true;
          this.options.onError(projection.name, error);
        }
        continue;
      }
      try {
        for (let i = from; i < events.length; i++) projection.apply(events[i], rows);
      } catch (error) {
        incomplete = true;
        this.options.onError(projection.name, error);
        continue;
      }
      work.push({ member, rows });
    }
    if (inFlight) {
      this.inFlight = undefined;
      // This batch was computed from the one in flight: if that did not land as written, drop
      // this one too and read again from where the members are.
      if (!(await this.land(inFlight))) return this.lowest(last);
    }
    if (work.length > 0) {
      if (this.options.writer && !this.writerBroken) {
        if (!this.running) return this.lowest(last); // stopping: nothing more to hand off
        this.handOff(work, last);
      } else await this.writeHere(work, last);
    }
    if (!this.inFlight) {
      this.notify();
      this.options.onBatch?.(this.lowest(last));
    }
    if (incomplete) throw new BatchIncomplete();
    return this.lowestApplied(last);
  }

  /** Where every member will be once the batch in flight lands. */
  private lowestApplied(otherwise: number): number {
    const inFlight = this.inFlight;
    let lowest = Number.POSITIVE_INFINITY;
    for (const member of this.members.values()) {
      const ahead = inFlight?.work.some((w) => w.member === member) ? inFlight.last : member.position;
      lowest = Math.min(lowest, ahead);
    }
    return lowest === Number.POSITIVE_INFINITY ? otherwise : lowest;
  }

  /** Every member's rows and checkpoint in one transaction on this connection. */
  private async writeHere(work: Work[], last: number): Promise<void> {
    await this.db.transaction(
      async (tx) => {
        const entries = await this.registry.all(tx);
        const stored = await this.checkpoints.getMany(
          work.map((w) => w.member.checkpoint),
          tx,
        );
        const written: string[] = [];
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
          written.push(w.member.checkpoint);
          w.outcome = 'written';
        }
        await this.checkpoints.setMany(written, last, tx);
      },
      { durable: this.role === 'live' },
    );
    for (const w of work) {
      this.record(w, last);
      if (w.outcome === 'written') w.member.cache.keep(w.rows);
    }
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
   * follower back to read it again.
   */
  private async land(inFlight: InFlight): Promise<boolean> {
    let outcomes: WriteOutcome[];
    try {
      outcomes = await inFlight.outcomes;
    } catch (error) {
      for (const w of inFlight.work) w.member.cache.clear();
      if (this.writer?.broken) this.writerBroken = true;
      this.follower?.rewind(this.lowest(0));
      throw error;
    }
    let written = true;
    inFlight.work.forEach((w, i) => {
      w.outcome = outcomes[i];
      if (w.outcome !== 'written') written = false;
      this.record(w, inFlight.last);
    });
    this.notify();
    this.options.onBatch?.(this.lowest(inFlight.last));
    return written;
  }

  /** Lands the batch in flight once the log is read to its end. */
  private async settle(): Promise<void | number> {
    const inFlight = this.inFlight;
    if (!inFlight) return;
    this.inFlight = undefined;
    if (!(await this.land(inFlight))) return this.lowest(inFlight.last);
  }

  private record(w: Work, last: number): void {
    if (w.outcome === 'superseded') this.superseded(w.member);
    else if (typeof w.outcome === 'number') {
      w.member.position = w.outcome;
      w.member.cache.clear();
    } else w.member.position = last;
  }
}
