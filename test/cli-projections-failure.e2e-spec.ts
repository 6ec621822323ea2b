import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '@accord/event-store/conformance/event-store.conformance';
import { Workers } from '../apps/api/src/workers/workers.module';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp } from './support/test-app';

const run = promisify(execFile);
const ACCORD = join(__dirname, '..', 'bin', 'accord.js');

describe('npx accord projections, with a read model stopped on an event', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-cli-fail-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the failure, refuses a rebuild that stops on it with how to go on, and records a skip that both pass', async () => {
    const t = await startTestApp({ dir });
    try {
      const secretariat = await t.createKey('secretariat');
      await t.post('/agreements', MOROCCO_QATAR, secretariat);
      const stray = randomUUID();
      const { position } = await t.store.append(`agreement-${stray}`, [
        { id: randomUUID(), type: 'AgreementDomainsAmended', data: { agreementId: stray, domains: ['cybercrime'] } },
      ]);
      const workers = t.app.get(Workers);
      await until(async () => (await workers.projections.status())[0].state === 'failed', 'agreements to fail');
      const accord = (...args: string[]) =>
        run(process.execPath, [ACCORD, 'projections', ...args], {
          env: { ...process.env, ACCORD_STORE: `sqlite:${join(dir, 'accord.db')}` },
        });

      const listed = await accord('list');
      expect(listed.stdout).toMatch(
        new RegExp(
          `agreements\\s+v1 g1\\s+checkpoint ${position - 1}/${position}\\s+failed\\s+on event ${position} since \\S+: ` +
            'AgreementDomainsAmended cannot apply to an unregistered agreement',
        ),
      );
      expect(listed.stdout).toMatch(/commitments\s+v2 g1\s+checkpoint \d+\/\d+\s+live\n/);

      // The event cannot be applied by any code: a rebuild stops there too, and says how to go on.
      const rebuilt = await accord('rebuild', 'agreements').catch((error: unknown) => error);
      expect(rebuilt).toMatchObject({ code: 2 });
      const { stderr } = rebuilt as { stderr: string };
      expect(stderr).toContain(`the rebuild of agreements stopped on event ${position} (AgreementDomainsAmended`);
      expect(stderr).toContain(`accord projections skip agreements --position ${position} --reason "<why>"`);

      const wrong = await accord('skip', 'agreements', '--position', String(position - 1), '--reason', 'x').catch(
        (error: unknown) => error,
      );
      expect(wrong).toMatchObject({ code: 2, stderr: expect.stringContaining('has not failed on the event') });
      const skipped = await accord(
        'skip',
        'agreements',
        '--position',
        String(position),
        '--reason',
        'stray',
        '--by',
        'ops',
      );
      expect(skipped.stdout).toMatch(
        new RegExp(`agreements skips event ${position} \\(AgreementDomainsAmended [0-9a-f-]+\\), recorded by ops at `),
      );

      // The stopped rebuild resumes past it and is swapped in; the running API serves it.
      const resumed = await accord('rebuild', 'agreements');
      expect(resumed.stdout).toMatch(new RegExp(`agreements: generation 2 is live at position ${position}`));
      expect(await workers.projections.waitFor('agreements', position)).toBe(true);
      const after = await accord('list');
      expect(after.stdout).toMatch(new RegExp(`agreements\\s+v1 g2\\s+checkpoint ${position}/${position}\\s+live\n`));
      expect(after.stdout).toMatch(
        new RegExp(`skips event ${position} \\(AgreementDomainsAmended .*\\), by ops at \\S+: stray`),
      );
      const health = await t.request({ method: 'GET', url: '/health' });
      expect(health.json()).toMatchObject({ status: 'ok' });
      expect((await t.request({ method: 'GET', url: '/projections', key: ADMIN_KEY })).json().items[0]).toMatchObject({
        state: 'live',
        generation: 2,
        failure: null,
      });
    } finally {
      await t.close();
    }
  });
});
