import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

  it('on SIGTERM finishes the commands in flight: every acknowledged one is in the database', async () => {
    const admin = 'lifecycle-admin-key-0123456789';
    const api = await startApi({ ACCORD_ADMIN_KEY: admin }, dir);
    const post = (path: string, body: unknown, key: string) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const json = async (response: Promise<Response>) => (await (await response).json()) as { key: string; id: string };
    const secretariat = (await json(post('/admin/keys', { name: 's', role: 'secretariat' }, admin))).key;
    const ma = (await json(post('/admin/keys', { name: 'm', role: 'integration', party: 'MA' }, admin))).key;
    const agreement = await post(
      '/agreements',
      {
        title: 'T',
        signedAt: '2014-03-12',
        signedIn: 'Rabat',
        parties: [
          { code: 'MA', name: 'Morocco', agencies: ['DGSN'] },
          { code: 'QA', name: 'Qatar', agencies: ['MOI'] },
        ],
        domains: ['cybercrime'],
      },
      secretariat,
    );
    const agreementId = ((await agreement.json()) as { id: string }).id;
    const proposal = { agreementId, title: 'x', description: 'y', domain: 'cybercrime', leadAgencies: ['DGSN'] };
    const sent = Array.from({ length: 40 }, () =>
      post('/commitments', proposal, ma).then(
        async (r) => ({ status: r.status, id: r.status === 201 ? ((await r.json()) as { id: string }).id : undefined }),
        () => ({ status: 0, id: undefined }),
      ),
    );
    const first = await Promise.race(sent);
    expect(first.status).toBe(201);
    const code = await api.stop('SIGTERM');
    const results = await Promise.all(sent);
    expect(code).toBe(0);

    const acknowledged = results.filter((r) => r.status === 201).map((r) => r.id);
    expect(acknowledged.length).toBeGreaterThan(0);
    const db = new Database(join(dir, 'data', 'accord.db'), { readonly: true });
    const streams = new Set(
      (
        db.prepare("SELECT stream_id FROM events WHERE type = 'CommitmentProposed'").all() as { stream_id: string }[]
      ).map((r) => r.stream_id),
    );
    db.close();
    for (const id of acknowledged) expect(streams.has(`commitment-${id}`)).toBe(true);
  });

  it('refuses to start on a store URL it does not know, saying why', async () => {
    await expect(startApi({ ACCORD_STORE: 'mysql://localhost/accord' }, dir)).rejects.toThrow(/Unknown store URL/);
  });
});
