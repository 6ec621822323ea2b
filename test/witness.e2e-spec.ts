import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describeWitnessSuite } from './support/witness-suite';

/** The parties' witnesses against the API on a SQLite file, which the operator rewrites with better-sqlite3. */
describeWitnessSuite('SQLite', {
  url: (dir) => `sqlite:${join(dir, 'accord.db')}`,
  async open(url) {
    const db = new Database(url.slice('sqlite:'.length));
    return {
      async rewriteEvent(position, data) {
        expect(db.prepare('UPDATE events SET data = ? WHERE position = ?').run(data, position).changes).toBe(1);
      },
      async deleteEventsAfter(position) {
        expect(db.prepare('DELETE FROM events WHERE position > ?').run(position).changes).toBeGreaterThan(0);
      },
      async forgetCheckpoints() {
        db.exec('DELETE FROM audit_cosignatures; DELETE FROM audit_checkpoints;');
      },
      async close() {
        db.close();
      },
    };
  },
  async dispose() {
    // The file goes with the test's directory.
  },
});
