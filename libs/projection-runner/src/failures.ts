import type { RecordedEvent } from '@accord/event-store';
import type { SqlDb, SqlRunner } from '@accord/sql';

/** The event a follower (a read model's generation, the process manager) stopped on, and why. */
export interface EventFailure {
  /** The event's position: the follower's checkpoint is just before it. */
  readonly position: number;
  readonly eventId: string;
  readonly type: string;
  readonly error: string;
  /** When it first failed on this event. */
  readonly since: string;
}

/** An event a projection was told to pass over (every generation of it), on record: who, when and why. */
export interface RecordedSkip {
  readonly projection: string;
  readonly position: number;
  readonly eventId: string;
  readonly type: string;
  readonly reason: string;
  readonly by: string;
  readonly at: string;
}

interface FailureRow {
  follower: string;
  projection: string;
  position: number;
  event_id: string;
  event_type: string;
  error: string;
  since: string;
}

interface SkipRow {
  projection: string;
  position: number;
  event_id: string;
  event_type: string;
  reason: string;
  skipped_by: string;
  skipped_at: string;
}

// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * What a supported store cannot hold as text (NUL, lone surrogates) replaced, and bounded: an
 * error message may quote the very text that failed.
 */
export function storableText(text: string, limit = 2000): string {
  const clean = text.replace(UNSTORABLE, '\ufffd');
  return clean.length > limit ? `${clean.slice(0, limit - 1)}…` : clean;
}

export const messageOf = (error: unknown): string =>
  storableText(error instanceof Error ? error.message : String(error));

export function failureAt(event: RecordedEvent, error: unknown, previous?: EventFailure): EventFailure {
  return {
    position: event.position,
    eventId: storableText(event.id, 200),
    type: storableText(event.type, 200),
    error: messageOf(error),
    since: previous?.position === event.position ? previous.since : new Date().toISOString(),
  };
}

const toFailure = (row: FailureRow): EventFailure => ({
  position: Number(row.position),
  eventId: row.event_id,
  type: row.event_type,
  error: row.error,
  since: row.since,
});

const toSkip = (row: SkipRow): RecordedSkip => ({
  projection: row.projection,
  position: Number(row.position),
  eventId: row.event_id,
  type: row.event_type,
  reason: row.reason,
  by: row.skipped_by,
  at: row.skipped_at,
});

/**
 * Failures and skips, in the database beside the read models, so that every instance (the
 * one running the workers or not) and the CLI see them (decision 0012). A failure is kept per
 * follower (its checkpoint name) until the follower passes the event; a skip is kept for ever.
 */
export class FailureLog {
  constructor(private readonly db: SqlDb) {}

  async setup(): Promise<void> {
    await this.db.exec(`CREATE TABLE IF NOT EXISTS projection_failures (
      follower TEXT PRIMARY KEY,
      projection TEXT NOT NULL,
      position BIGINT NOT NULL,
      event_id TEXT NOT NULL,
      event_type TEXT NOT NULL,
      error TEXT NOT NULL,
      since TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS projection_skips (
      projection TEXT NOT NULL,
      position BIGINT NOT NULL,
      event_id TEXT NOT NULL,
      event_type TEXT NOT NULL,
      reason TEXT NOT NULL,
      skipped_by TEXT NOT NULL,
      skipped_at TEXT NOT NULL,
      PRIMARY KEY (projection, position)
    )`);
  }

  /** Records (or updates) the failure of `follower`, a checkpoint name, keeping `since` for the same event. */
  async record(
    follower: string,
    projection: string,
    failure: EventFailure,
    runner: SqlRunner = this.db,
  ): Promise<void> {
    await runner.execute(
      `INSERT INTO projection_failures (follower, projection, position, event_id, event_type, error, since, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (follower) DO UPDATE SET
         since = CASE WHEN projection_failures.position = excluded.position THEN projection_failures.since ELSE excluded.since END,
         position = excluded.position, event_id = excluded.event_id, event_type = excluded.event_type,
         error = excluded.error, updated_at = excluded.updated_at`,
      [
        follower,
        projection,
        failure.position,
        failure.eventId,
        failure.type,
        failure.error,
        failure.since,
        new Date().toISOString(),
      ],
    );
  }

  async clear(follower: string, runner: SqlRunner = this.db): Promise<void> {
    await runner.execute('DELETE FROM projection_failures WHERE follower = ?', [follower]);
  }

  /** Forgets a projection's failures but those of `keep` (the generations that are gone with their tables). */
  async clearOthers(projection: string, keep: readonly string[]): Promise<void> {
    const rows = await this.db.query<{ follower: string }>(
      'SELECT follower FROM projection_failures WHERE projection = ?',
      [projection],
    );
    for (const { follower } of rows) if (!keep.includes(follower)) await this.clear(follower);
  }

  async get(follower: string, runner: SqlRunner = this.db): Promise<EventFailure | undefined> {
    const [row] = await runner.query<FailureRow>('SELECT * FROM projection_failures WHERE follower = ?', [follower]);
    return row ? toFailure(row) : undefined;
  }

  /** Every failure on record, by follower. */
  async all(runner: SqlRunner = this.db): Promise<Map<string, EventFailure>> {
    const rows = await runner.query<FailureRow>('SELECT * FROM projection_failures');
    return new Map(rows.map((row) => [row.follower, toFailure(row)]));
  }

  /** Records a skip; false when that event was already skipped (the first record stays). */
  async skip(skip: RecordedSkip): Promise<boolean> {
    const changed = await this.db.execute(
      `INSERT INTO projection_skips (projection, position, event_id, event_type, reason, skipped_by, skipped_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (projection, position) DO NOTHING`,
      [
        skip.projection,
        skip.position,
        storableText(skip.eventId, 200),
        storableText(skip.type, 200),
        storableText(skip.reason),
        storableText(skip.by, 200),
        skip.at,
      ],
    );
    return changed > 0;
  }

  async skips(projection?: string, runner: SqlRunner = this.db): Promise<RecordedSkip[]> {
    const rows = projection
      ? await runner.query<SkipRow>('SELECT * FROM projection_skips WHERE projection = ? ORDER BY position', [
          projection,
        ])
      : await runner.query<SkipRow>('SELECT * FROM projection_skips ORDER BY projection, position');
    return rows.map(toSkip);
  }

  /** The positions a projection skips. */
  async skipped(projection: string, runner: SqlRunner = this.db): Promise<Set<number>> {
    return new Set((await this.skips(projection, runner)).map((s) => s.position));
  }
}
