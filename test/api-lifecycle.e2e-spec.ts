import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi } from './support/api-process';

describe('the API process (as `npm start` runs it)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-api-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens ./data/accord.db by default, answers /health, and closes the database cleanly on SIGTERM', async () => {
    const api = await startApi({}, dir);
    const response = await fetch(`${api.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', info: { store: { status: 'up' } } });
    expect(existsSync(join(dir, 'data', 'accord.db'))).toBe(true);

    expect(await api.stop('SIGTERM')).toBe(0);
    expect(api.lines.some((l) => l.includes('event store closed'))).toBe(true);
    // A clean close checkpoints the WAL into the database and removes it.
    expect(existsSync(join(dir, 'data', 'accord.db-wal'))).toBe(false);
  });

  it('refuses to start on a store URL it does not know, saying why', async () => {
    await expect(startApi({ ACCORD_STORE: 'mysql://localhost/accord' }, dir)).rejects.toThrow(/Unknown store URL/);
  });
});
