import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built factory (jest's global setup builds dist/), loaded in a process of its own. */
const FACTORY = join(__dirname, '..', '..', '..', 'dist', 'libs', 'store-factory', 'src');

/** The drivers a process loaded after opening `url` and closing it. */
function driversLoadedFor(url: string): string[] {
  const script = `
    const { openEventStore } = require(${JSON.stringify(FACTORY)});
    openEventStore(process.argv[1]).then(async (store) => {
      await store.close();
      const drivers = ['better-sqlite3', 'pg', '@kurrent/kurrentdb-client'];
      const loaded = Object.keys(require.cache);
      console.log(JSON.stringify(drivers.filter((d) => loaded.some((k) => k.includes('/node_modules/' + d + '/')))));
    });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script, url], { encoding: 'utf8' })) as string[];
}

describe('openEventStore loads only the adapter its URL names', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'accord-factory-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a SQLite file without loading the PostgreSQL driver or the KurrentDB client', () => {
    expect(driversLoadedFor(`sqlite://${join(dir, 'events.db')}`)).toEqual(['better-sqlite3']);
  });

  it('opens the in-memory store without loading any driver', () => {
    expect(driversLoadedFor('memory:')).toEqual([]);
  });
});
