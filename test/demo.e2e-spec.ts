import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ApiProcess, startApi } from './support/api-process';

const DEMO = join(__dirname, '..', 'scripts', 'demo', 'demo.js');
const ADMIN_KEY = 'demo-e2e-admin-key-0123456789';

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run demo`'s script as a child process, as a user would, and waits for it to exit. */
async function runDemo(env: Record<string, string>): Promise<DemoRun> {
  const child = spawn(process.execPath, [DEMO], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

interface Row {
  position: number;
  type: string;
  data: string;
}

describe('npm run demo (the Morocco–Qatar agreement, through the HTTP API)', () => {
  let dir: string;
  let api: ApiProcess;
  let dbFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-demo-'));
    dbFile = join(dir, 'data', 'accord.db');
    api = await startApi({ ACCORD_ADMIN_KEY: ADMIN_KEY, ACCORD_STORE: `sqlite:${dbFile}` }, dir);
  });

  afterAll(async () => {
    if (api) expect(await api.stop('SIGTERM')).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every event in the store, read from the SQLite file itself (read-only), not over HTTP. */
  function events(): Row[] {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT position, type, data FROM events ORDER BY position').all() as Row[];
    } finally {
      db.close();
    }
  }

  it('loads the agreement, its eleven domains and a dozen proposals of both parties, then changes nothing on a second run', async () => {
    const env = { ACCORD_URL: api.url, ACCORD_ADMIN_KEY: ADMIN_KEY };
    const first = await runDemo(env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/Loaded: \d+ events appended/);

    const log = events();
    const registered = log.filter((e) => e.type === 'AgreementRegistered').map((e) => JSON.parse(e.data));
    expect(registered).toHaveLength(1);
    const [agreement] = registered;
    expect(agreement).toMatchObject({ signedAt: '2014-03-11', signedIn: 'Rabat' });
    expect(agreement.domains).toHaveLength(11);
    expect(new Set(agreement.domains).size).toBe(11);
    expect(agreement.parties.map((p: { code: string }) => p.code)).toEqual(['MA', 'QA']);
    expect(first.stdout).toContain(agreement.agreementId);

    const proposals = log.filter((e) => e.type === 'CommitmentProposed').map((e) => JSON.parse(e.data));
    expect(proposals.length).toBeGreaterThanOrEqual(12);
    for (const p of proposals) {
      expect(p.agreementId).toBe(agreement.agreementId);
      expect(agreement.domains).toContain(p.domain);
      expect(first.stdout).toContain(p.commitmentId);
    }
    expect(new Set(proposals.map((p) => p.domain)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(proposals.map((p) => p.proposingParty))).toEqual(new Set(['MA', 'QA']));

    // A committee session ran: decisions by consensus, one deferral, and their effects.
    const count = (type: string) => log.filter((e) => e.type === type).length;
    expect(count('DecisionReached')).toBe(5);
    expect(count('ItemDeferred')).toBe(1);
    expect(count('CommitmentApproved')).toBe(5);
    expect(count('CommitmentDeferred')).toBe(1);
    expect(count('ProgressReported')).toBe(2);
    expect(first.stdout).toMatch(/5 decisions, 1 item deferred/);

    const second = await runDemo(env);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toContain('Already loaded');
    const after = events();
    expect(after).toHaveLength(log.length);
    expect(after.at(-1)?.position).toBe(log.at(-1)?.position);
  });

  it('without ACCORD_ADMIN_KEY, says how to get one and exits 1', async () => {
    const run = await runDemo({ ACCORD_URL: api.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ACCORD_ADMIN_KEY/);
    expect(run.stdout).toBe('');
  });

  it('prints the problem+json of a refused request and exits 1', async () => {
    const run = await runDemo({ ACCORD_URL: api.url, ACCORD_ADMIN_KEY: 'not-the-admin-key-0123456789' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('"code": "UNAUTHENTICATED"');
  });
});
