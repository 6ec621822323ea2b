import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { digestLog, hashOf, RunningDigest, type LogDigest } from '@accord/audit';
import { openEventStore } from '@accord/store-factory';
import Database from 'better-sqlite3';
import { startApi, type ApiProcess } from './support/api-process';

const run = promisify(execFile);
const ACCORD = join(__dirname, '..', 'bin', 'accord.js');
const ADMIN = 'backup-admin-key-0123456789';

async function accord(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [ACCORD, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** The digest of a store's log up to `position`: what GET /audit/digest answered when that was its head. */
async function digestAt(url: string, position: number): Promise<LogDigest> {
  const store = await openEventStore(url);
  try {
    const running = new RunningDigest();
    for (;;) {
      const page = await store.readAll({ after: running.position, maxCount: 1000 });
      const inside = page.filter((event) => event.position <= position);
      for (const event of inside) running.add(event.position, hashOf(event));
      if (inside.length < page.length || page.length === 0) return running.snapshot();
    }
  } finally {
    await store.close();
  }
}

async function digestOf(url: string): Promise<LogDigest> {
  const store = await openEventStore(url);
  try {
    return await digestLog(store);
  } finally {
    await store.close();
  }
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('npx accord backup and restore, on the SQLite file of a running API', () => {
  let dir: string;
  let live: string;
  let api: ApiProcess | undefined;
  let post: (path: string, body: unknown, key: string) => Promise<Response>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-backup-'));
    live = join(dir, 'data', 'accord.db');
  });
  afterAll(async () => {
    await api?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a backup while commands flow that verifies and has the live digest at its position; restore is careful', async () => {
    api = await startApi({ ACCORD_STORE: `sqlite:${live}`, ACCORD_ADMIN_KEY: ADMIN }, dir);
    const url = api.url;
    post = (path, body, key) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const json = async <T>(response: Promise<Response>) => (await (await response).json()) as T;
    const secretariat = (await json<{ key: string }>(post('/admin/keys', { name: 's', role: 'secretariat' }, ADMIN)))
      .key;
    const ma = (
      await json<{ key: string }>(post('/admin/keys', { name: 'm', role: 'integration', party: 'MA' }, ADMIN))
    ).key;
    const agreement = await json<{ id: string }>(
      post(
        '/agreements',
        {
          title: 'Backup under load',
          signedAt: '2014-03-12',
          signedIn: 'Rabat',
          parties: [
            { code: 'MA', name: 'Morocco', agencies: ['DGSN'] },
            { code: 'QA', name: 'Qatar', agencies: ['MOI'] },
          ],
          domains: ['cybercrime'],
        },
        secretariat,
      ),
    );
    const proposal = (n: number) => ({
      agreementId: agreement.id,
      title: `Commitment ${n}`,
      description: 'Exchange of cybercrime intelligence',
      domain: 'cybercrime',
      leadAgencies: ['DGSN'],
    });

    // Eight clients propose commitments without a pause, before, during and after the backup.
    const acknowledged: { id: string; position: number; at: number }[] = [];
    let failures = 0;
    let stop = false;
    let sent = 0;
    const client = async () => {
      while (!stop) {
        const response = await post('/commitments', proposal(sent++), ma);
        if (response.status !== 201) {
          failures++;
          continue;
        }
        const { id, position } = (await response.json()) as { id: string; position: number };
        acknowledged.push({ id, position, at: performance.now() });
      }
    };
    const clients = Array.from({ length: 8 }, client);
    while (acknowledged.length < 300) await new Promise((resolve) => setTimeout(resolve, 20));

    // Three backups, one after the other, while the clients go on.
    const taken: {
      file: string;
      before: number;
      during: number;
      seconds: number;
      stdout: string;
      digest: LogDigest;
    }[] = [];
    for (let n = 1; n <= 3; n++) {
      const file = join(dir, 'backups', `accord-${n}.db`);
      const before = Math.max(...acknowledged.map((a) => a.position));
      const began = performance.now();
      const result = await accord(['backup', '--store', `sqlite:${live}`, '--to', file]);
      const ended = performance.now();
      expect(result).toMatchObject({ code: 0 });
      noStack(result.stderr);
      expect(result.stdout).toMatch(/verified: \d+ events, \d+ streams, every hash chain intact/);
      taken.push({
        file,
        before,
        during: acknowledged.filter((a) => a.at > began && a.at < ended).length,
        seconds: (ended - began) / 1000,
        stdout: result.stdout,
        digest: JSON.parse(/^digest: (\{.*?\})/m.exec(result.stdout)![1]) as LogDigest,
      });
    }
    const after = performance.now();
    while (acknowledged.filter((a) => a.at > after).length < 50)
      await new Promise((resolve) => setTimeout(resolve, 20));
    stop = true;
    await Promise.all(clients);
    expect(failures).toBe(0);
    const head = Math.max(...acknowledged.map((a) => a.position));
    // One self-contained file each: no -wal, no partial file left beside them.
    expect(readdirSync(join(dir, 'backups')).sort()).toEqual(['accord-1.db', 'accord-2.db', 'accord-3.db']);

    for (const { file, before, during, digest } of taken) {
      expect(during).toBeGreaterThan(0); // commands were acknowledged while the backup ran
      expect(digest.position).toBeGreaterThanOrEqual(before); // everything acknowledged before it is in it
      expect(digest.position).toBeLessThan(head);
      const verified = await accord(['audit', 'verify', '--store', `sqlite:${file}`]);
      expect(verified).toMatchObject({ code: 0 });
      expect(verified.stdout).toMatch(/^intact: /);
      expect(await digestOf(`sqlite:${file}`)).toEqual(digest);
      expect(await digestAt(`sqlite:${live}`, digest.position)).toEqual(digest);
      // Every commitment acknowledged at or before the backup's position is in it, and no other.
      const db = new Database(file, { readonly: true });
      const streams = new Set(db.prepare('SELECT stream_id FROM events').pluck().all() as string[]);
      db.close();
      for (const a of acknowledged) expect(streams.has(`commitment-${a.id}`)).toBe(a.position <= digest.position);
    }
    console.log(
      `backups under load: ${acknowledged.length} proposals acknowledged by 8 clients, head at ${head}\n` +
        taken
          .map(
            (t) =>
              `${t.during} acknowledged during the backup (${t.seconds.toFixed(2)} s), at position ${t.digest.position}\n` +
              t.stdout,
          )
          .join(''),
    );
    const backup = taken[0].file;
    const digest = taken[0].digest;

    // Another backup to the same file is refused unless told.
    const again = await accord(['backup', '--store', `sqlite:${live}`, '--to', backup]);
    expect(again).toMatchObject({ code: 2, stderr: expect.stringMatching(/exists: pass --force/) });

    // Restore: refused over an existing store without --force, and over a store in use even with it.
    const refused = await accord(['restore', '--from', backup, '--store', `sqlite:${live}`]);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringMatching(/exists: restore replaces a store only/) });
    const inUse = await accord(['restore', '--from', backup, '--store', `sqlite:${live}`, '--force']);
    expect(inUse).toMatchObject({ code: 2, stderr: expect.stringMatching(/is in use .*stop it, then restore/) });
    for (const failure of [again, refused, inUse]) noStack(failure.stderr);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const liveHead = await digestOf(`sqlite:${live}`);
    expect(liveHead.position).toBe(head);

    // Stopped, the store is replaced by the backup and kept beside it.
    expect(await api.stop('SIGTERM')).toBe(0);
    api = undefined;
    const restored = await accord(['restore', '--from', backup, '--store', `sqlite:${live}`, '--force']);
    expect(restored).toMatchObject({ code: 0 });
    expect(restored.stdout).toContain(`digest: ${JSON.stringify(digest)}`);
    expect(restored.stdout).toMatch(/it holds events the backup does not have/);
    const kept = readdirSync(join(dir, 'data')).filter((name) => name.startsWith('accord.db.replaced-'));
    expect(kept).toHaveLength(1);
    expect(await digestOf(`sqlite:${join(dir, 'data', kept[0])}`)).toEqual(liveHead);
    expect(await digestOf(`sqlite:${live}`)).toEqual(digest);
    expect(await digestOf(`sqlite:${backup}`)).toEqual(digest); // the backup itself is left as it was

    // The API starts on the restored store and answers its digest.
    api = await startApi({ ACCORD_STORE: `sqlite:${live}`, ACCORD_ADMIN_KEY: ADMIN }, dir);
    const answered = await fetch(`${api.url}/audit/digest`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(await answered.json()).toMatchObject(digest);
  }, 180_000);

  it('refuses a backup that does not verify, and restores into a new file without --force', async () => {
    const backup = join(dir, 'backups', 'accord-1.db');
    const fresh = join(dir, 'elsewhere', 'accord.db');
    const restored = await accord(['restore', '--from', backup, '--store', `sqlite:${fresh}`]);
    expect(restored).toMatchObject({ code: 0 });
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual(['accord.db']);

    const forged = join(dir, 'backups', 'forged.db');
    copyFileSync(backup, forged);
    const db = new Database(forged);
    db.prepare("UPDATE events SET data = json_set(data, '$.forged', 1) WHERE position = 20").run();
    db.close();
    const target = join(dir, 'never', 'accord.db');
    const refused = await accord(['restore', '--from', forged, '--store', `sqlite:${target}`]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/does not verify, nothing was restored\nBROKEN at position 20, .*: hash-mismatch/);
    noStack(refused.stderr);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(join(dir, 'never'))).toEqual([]);

    const postgres = await accord(['backup', '--store', 'postgres://postgres@127.0.0.1:5432/test', '--to', forged]);
    expect(postgres).toMatchObject({ code: 2, stderr: expect.stringMatching(/pg_dump or base backups/) });
    const missing = await accord(['backup', '--store', `sqlite:${join(dir, 'none.db')}`, '--to', join(dir, 'x.db')]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/does not exist: there is nothing/) });
    expect(existsSync(join(dir, 'none.db'))).toBe(false);
  }, 60_000);
});
