import { evolveSession, initialSessionState, type Session, type SessionEvent } from '@accord/committee';
import { prepared, type SqliteProjection } from './sqlite-projection';

/** Each committee session: agenda, attendance, positions, decisions and deferrals. */
export const sessionsProjection: SqliteProjection = {
  name: 'sessions',
  version: 1,
  tables: ['sessions'],
  setup(db, t) {
    db.exec(`CREATE TABLE IF NOT EXISTS "${t.sessions}" (
      id TEXT PRIMARY KEY,
      agreement_id TEXT NOT NULL,
      status TEXT NOT NULL,
      scheduled_for TEXT NOT NULL,
      state TEXT NOT NULL,
      revision INTEGER NOT NULL,
      position INTEGER NOT NULL,
      updated_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS "${t.sessions}_agreement" ON "${t.sessions}" (agreement_id, status);`);
  },
  apply(db, event, t) {
    if (!event.streamId.startsWith('session-')) return;
    const id = event.streamId.slice('session-'.length);
    const row = prepared(db, `SELECT state FROM "${t.sessions}" WHERE id = ?`).get(id) as { state: string } | undefined;
    const before: Session = row ? JSON.parse(row.state) : initialSessionState;
    const after = evolveSession(before, event as unknown as SessionEvent);
    if (after.status === 'none') return;
    prepared(
      db,
      `INSERT OR REPLACE INTO "${t.sessions}" (id, agreement_id, status, scheduled_for, state, revision, position, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      after.agreementId,
      after.status,
      after.scheduledFor,
      JSON.stringify(after),
      event.revision,
      event.position,
      event.recordedAt,
    );
  },
};
