import { evolveAgreement, initialAgreementState, type Agreement, type AgreementEvent } from '@accord/commitments';
import { prepared, type SqliteProjection } from './sqlite-projection';

/** Each agreement: its parties and domains, as registered and amended. */
export const agreementsProjection: SqliteProjection = {
  name: 'agreements',
  version: 1,
  tables: ['agreements'],
  setup(db, t) {
    db.exec(`CREATE TABLE IF NOT EXISTS "${t.agreements}" (
      id TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      revision INTEGER NOT NULL,
      position INTEGER NOT NULL
    ) WITHOUT ROWID`);
  },
  apply(db, event, t) {
    if (!event.streamId.startsWith('agreement-')) return;
    const id = event.streamId.slice('agreement-'.length);
    const row = prepared(db, `SELECT state FROM "${t.agreements}" WHERE id = ?`).get(id) as
      { state: string } | undefined;
    const before: Agreement = row ? JSON.parse(row.state) : initialAgreementState;
    const after = evolveAgreement(before, event as unknown as AgreementEvent);
    prepared(db, `INSERT OR REPLACE INTO "${t.agreements}" (id, state, revision, position) VALUES (?, ?, ?, ?)`).run(
      id,
      JSON.stringify(after),
      event.revision,
      event.position,
    );
  },
};
