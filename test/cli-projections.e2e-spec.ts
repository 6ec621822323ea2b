import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MOROCCO_QATAR, startTestApp } from './support/test-app';

const run = promisify(execFile);
const ACCORD = join(__dirname, '..', 'bin', 'accord.js');

describe('npx accord projections', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-cli-proj-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rebuilds every read model with progress and leaves the API serving the same rows', async () => {
    const t = await startTestApp({ dir });
    const secretariat = await t.createKey('secretariat');
    const ma = await t.createKey('integration', 'MA');
    const agreementId = (await t.post('/agreements', MOROCCO_QATAR, secretariat)).json().id;
    let position = 0;
    for (let i = 0; i < 30; i++) {
      const r = await t.post(
        '/commitments',
        { agreementId, title: `C${i}`, description: 'd', domain: 'cybercrime', leadAgencies: ['DGSN'] },
        ma,
      );
      position = r.json().position;
    }
    const list = async () =>
      (
        await t.request({
          method: 'GET',
          url: `/commitments?agreementId=${agreementId}&limit=200&after=${position}`,
          key: secretariat,
        })
      ).json();
    const before = await list();
    expect(before.items).toHaveLength(30);

    const env = { ...process.env, ACCORD_STORE: `sqlite:${join(dir, 'accord.db')}` };
    const { stdout, stderr } = await run(process.execPath, [ACCORD, 'projections', 'rebuild', 'all'], { env });
    expect(stdout).toMatch(/commitments: generation 2 is live at position \d+/);
    expect(stderr).toMatch(/rebuild commitments: done/);
    // The running API notices the swap and serves the rebuilt generation.
    expect(await list()).toEqual(before);
    const listed = await run(process.execPath, [ACCORD, 'projections', 'list'], { env });
    expect(listed.stdout).toMatch(/commitments\s+v2 g2\s+checkpoint \d+\/\d+\s+live/);
    await t.close();

    const unknown = await run(process.execPath, [ACCORD, 'projections', 'rebuild', 'nope'], { env }).catch((e) => e);
    expect(unknown).toMatchObject({ code: 2 });
  });
});
