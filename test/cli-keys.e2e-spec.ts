import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '@accord/event-store/conformance/event-store.conformance';
import { ADMIN_KEY, startTestApp } from './support/test-app';

const run = promisify(execFile);
const ACCORD = join(__dirname, '..', 'bin', 'accord.js');

describe('npx accord keys', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('issues a key into the configured store that the API then accepts, with its role and party', async () => {
    const { stdout } = await run(
      process.execPath,
      [ACCORD, 'keys', 'create', '--role', 'integration', '--party', 'QA', '--json'],
      {
        cwd: dir,
        env: { ...process.env, ACCORD_STORE: `sqlite:${join(dir, 'accord.db')}` },
      },
    );
    const issued = JSON.parse(stdout);
    expect(issued).toMatchObject({ role: 'integration', party: 'QA', key: expect.stringMatching(/^acc_/) });

    const t = await startTestApp({ dir });
    try {
      // An integration may not issue keys: 403 proves the key was recognised (not 401).
      const response = await t.post('/admin/keys', { name: 'x', role: 'auditor' }, issued.key);
      expect(response.statusCode).toBe(403);
      expect((await t.post('/admin/keys', { name: 'x', role: 'auditor' }, 'acc_unknown')).statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('refuses an integration key without a party, with exit code 2 and a message', async () => {
    const failure = await run(process.execPath, [
      ACCORD,
      'keys',
      'create',
      '--role',
      'integration',
      '--store',
      `sqlite:${join(dir, 'a.db')}`,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/must name its party/);
  });

  const accord = (...args: string[]) =>
    run(process.execPath, [ACCORD, 'keys', ...args], {
      cwd: dir,
      env: { ...process.env, ACCORD_STORE: `sqlite:${join(dir, 'accord.db')}` },
    });
  const failing = (...args: string[]) =>
    accord(...args).then(
      () => {
        throw new Error(`accord keys ${args.join(' ')} succeeded`);
      },
      (e: { code: number; stderr: string }) => e,
    );

  it('lists keys with their dates and status and never a secret; revokes one, which the API then refuses', async () => {
    const t = await startTestApp({ dir });
    try {
      const before = Date.now();
      const issued = JSON.parse(
        (await accord('create', '--role', 'auditor', '--name', 'audit office', '--expires', '90d', '--json')).stdout,
      );
      const expires = Date.parse(issued.expiresAt) - before;
      expect(expires).toBeGreaterThanOrEqual(90 * 86_400_000);
      expect(expires).toBeLessThan(90 * 86_400_000 + 60_000);
      expect((await t.request({ method: 'GET', url: '/commitments', key: issued.key })).statusCode).toBe(200);

      const table = (await accord('list')).stdout;
      expect(table.split('\n')[0]).toMatch(/^ID +NAME +ROLE +PARTY +CREATED +LAST USED +EXPIRES +STATUS$/);
      expect(table).toMatch(
        new RegExp(`${issued.id} +audit office +auditor +- +\\S+ +(never|\\S+) +${issued.expiresAt} +active`),
      );
      const listed = JSON.parse((await accord('list', '--json')).stdout);
      expect(listed.map((k: { role: string }) => k.role)).toEqual(['admin', 'auditor']);
      for (const output of [table, JSON.stringify(listed)]) {
        expect(output).not.toContain(issued.key);
        expect(output).not.toContain(ADMIN_KEY);
      }

      expect((await accord('revoke', issued.id)).stdout).toMatch(/^Revoked auditor key .* \(audit office\) at /);
      await until(
        async () => (await t.request({ method: 'GET', url: '/commitments', key: issued.key })).statusCode === 401,
        'the API to refuse the revoked key',
      );
      expect(JSON.parse((await accord('list', '--json')).stdout)[1]).toMatchObject({ status: 'revoked' });
    } finally {
      await t.close();
    }
  });

  it('rotates the admin key: prints the new one once and says what to do with ACCORD_ADMIN_KEY', async () => {
    const t = await startTestApp({ dir });
    try {
      const { stdout } = await accord('rotate-admin');
      const key = /Key \(shown once\): (\S+)/.exec(stdout)?.[1];
      expect(stdout).toMatch(/^Issued admin key \S+; revoked \S+\.$/m);
      expect(stdout).toMatch(/Set ACCORD_ADMIN_KEY to this key/);
      await until(
        async () => (await t.request({ method: 'GET', url: '/admin/keys', key: ADMIN_KEY })).statusCode === 401,
        'the API to refuse the earlier admin key',
      );
      expect((await t.request({ method: 'GET', url: '/admin/keys', key })).statusCode).toBe(200);
      // The last active admin key is kept: rotate instead.
      const [admin] = JSON.parse((await accord('list', '--json')).stdout).filter(
        (k: { role: string; status: string }) => k.role === 'admin' && k.status === 'active',
      );
      const last = await failing('revoke', admin.id);
      expect(last).toMatchObject({ code: 2, stderr: expect.stringMatching(/only active admin key.*rotate-admin/) });
    } finally {
      await t.close();
    }
  });

  it('refuses a bad expiry and an unknown key with exit code 2 and a message', async () => {
    expect(await failing('create', '--role', 'auditor', '--expires', 'tomorrow')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--expires must be an instant with an offset .* or a span/),
    });
    expect(await failing('create', '--role', 'auditor', '--expires', '2020-01-01T00:00:00Z')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/must be in the future/),
    });
    expect(await failing('revoke', 'no-such-key')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/No API key no-such-key/),
    });
  });
});
