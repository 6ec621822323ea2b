import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp } from './support/test-app';

const run = promisify(execFile);
const ACCORD = join(__dirname, '..', 'bin', 'accord.js');

describe('npx accord keys create', () => {
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
});
