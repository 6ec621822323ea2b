import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import {
  axe,
  describeInBrowser,
  newUser,
  openBrowser,
  screenshot,
  serious,
  settle,
  signIn,
  startConsoleServer,
  type ConsoleServer,
} from '../support/browser';
import { seedAgreement, type Seeded } from '../support/console-seed';

describeInBrowser('the console: commitments, their timeline, their state at every revision', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let seed: Seeded;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startConsoleServer(), openBrowser()]);
    seed = await seedAgreement(server);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists what the filters in the URL ask for, and a filter changed on the page goes into the URL', async () => {
    const page = await (await newUser(browser)).newPage();
    await signIn(page, server, seed.keys.auditor, '/console/commitments?status=withdrawn');
    const rows = page.getByTestId('commitments').locator('tbody tr');
    expect(await settle(() => rows.count(), 1)).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe(seed.trainingId);
    expect(await rows.first().locator('[data-status]').getAttribute('data-status')).toBe('withdrawn');
    await page.getByLabel('Status').selectOption('proposed');
    expect(await settle(async () => page.url().includes('status=proposed'), true)).toBe(true);
    expect(await settle(() => rows.count(), 2)).toBe(2);
    expect(
      await rows.locator('[data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))),
    ).toEqual(['proposed', 'proposed']);
    // A typed filter goes into the URL too, upper-cased as the API names parties.
    await page.getByLabel('Party').fill('qa');
    await page.getByLabel('Party').press('Enter');
    expect(await settle(async () => new URL(page.url()).searchParams.get('party'), 'QA')).toBe('QA');
    expect(await settle(() => rows.count(), 2)).toBe(2);
    expect(await rows.locator('td:nth-child(3)').allTextContents()).toEqual(['QA', 'QA']);
    await page.getByRole('button', { name: 'Reset' }).click();
    expect(await settle(() => rows.count(), 4)).toBe(4);
    expect(new URL(page.url()).search).toBe('');
    // The agreement and domain column names the agreement by its title.
    const agreement = await server.call('GET', `/agreements/${seed.agreementId}`, seed.keys.auditor);
    expect(await rows.first().locator('td:nth-child(2) a').textContent()).toBe(agreement.body.title);
    expect(await axe(page, 'commitments-list-en').then(serious)).toEqual([]);
    await screenshot(page, 'commitments-list-en');
    await page.getByTestId('language').selectOption('ar');
    expect(await settle(() => page.getByRole('heading', { level: 1 }).textContent(), 'الالتزامات')).toBe('الالتزامات');
    expect(await axe(page, 'commitments-list-ar').then(serious)).toEqual([]);
    await screenshot(page, 'commitments-list-ar');
  });

  it('opens a bookmarked view with its filter and sort, and says when nothing matches', async () => {
    const page = await (await newUser(browser)).newPage();
    await signIn(page, server, seed.keys.auditor, '/console/commitments?status=proposed&sort=title');
    const rows = page.getByTestId('commitments').locator('tbody tr');
    expect(await settle(() => rows.count(), 2)).toBe(2);
    expect(await rows.locator('td:first-child a').allTextContents()).toEqual([
      'Shared watch list at border crossings',
      'Stadium security exchange programme',
    ]);
    expect(await page.getByLabel('Sort by').inputValue()).toBe('title');
    expect(await page.getByLabel('Status').inputValue()).toBe('proposed');
    await page.getByLabel('Sort by').selectOption('-title');
    expect(await settle(async () => new URL(page.url()).searchParams.get('sort'), '-title')).toBe('-title');
    expect(
      await settle(
        () => rows.locator('td:first-child a').allTextContents(),
        ['Stadium security exchange programme', 'Shared watch list at border crossings'],
      ),
    ).toEqual(['Stadium security exchange programme', 'Shared watch list at border crossings']);
    await page.getByLabel('Status').selectOption('closed');
    await page.getByTestId('commitments-empty').waitFor();
    expect(await page.getByTestId('commitments-empty').textContent()).toBe('No commitment matches these filters.');
  });

  it('as an auditor, steps through the revisions of a commitment and sees each diff, raw event and integrity mark', async () => {
    const page = await (await newUser(browser)).newPage();
    await signIn(page, server, seed.keys.auditor, `/console/commitments/${seed.unitId}`);
    await page.getByRole('heading', { level: 1, name: 'Joint cybercrime investigation unit' }).waitFor();
    expect(
      await page.getByTestId('commitment-status').locator('[data-status]').first().getAttribute('data-status'),
    ).toBe('in_progress');
    const events = (await server.call('GET', `/commitments/${seed.unitId}/events`, seed.keys.auditor)).body.items;
    const last = events.length - 1;
    expect(await settle(() => page.getByTestId('revision').textContent(), `Revision ${last} of ${last}`)).toBe(
      `Revision ${last} of ${last}`,
    );
    // The last revision: the second progress report, 40 → 70.
    const diff = page.getByTestId('diff');
    const progress = ['changed', '40', '70'];
    expect(await settle(() => diff.locator('[data-field="progress"] td').allTextContents(), progress)).toEqual(
      progress,
    );
    // Back to revision 1, the revision: priority normal → high, due date moved.
    await page.getByLabel('Revision', { exact: true }).fill('1');
    expect(await settle(() => page.getByTestId('event-type').getAttribute('data-type'), 'CommitmentRevised')).toBe(
      'CommitmentRevised',
    );
    expect(await page.getByTestId('event-type').textContent()).toBe('Proposal revised');
    const priority = ['changed', 'normal', 'high'];
    expect(await settle(() => diff.locator('[data-field="priority"] td').allTextContents(), priority)).toEqual(
      priority,
    );
    expect(await diff.locator('[data-field="dueDate"] td').allTextContents()).toEqual([
      'changed',
      '2030-06-30',
      '2030-12-31',
    ]);
    // One step on with the button: on the agenda.
    await page.getByRole('button', { name: 'Next' }).click();
    expect(await settle(() => page.getByTestId('event-type').getAttribute('data-type'), events[2].type)).toBe(
      events[2].type,
    );
    const raw = JSON.parse((await page.getByTestId('raw-event').textContent()) ?? '{}');
    expect(raw.metadata.hash).toBe(events[2].metadata.hash);
    expect(raw.metadata.prevHash).toBe(events[1].metadata.hash);
    expect(await page.getByTestId('hash').textContent()).toBe(events[2].metadata.hash);
    expect(await page.getByTestId('prev-hash').textContent()).toBe(events[1].metadata.hash);
    expect(await settle(() => page.getByTestId('integrity').getAttribute('data-chain'), 'ok')).toBe('ok');
    expect(await page.getByTestId('integrity').textContent()).toContain('Chain check: the hash recomputed');
    // On to the start: approved → in progress; and the first report: 0 → 40.
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    expect(await settle(() => page.getByTestId('event-type').getAttribute('data-type'), 'CommitmentStarted')).toBe(
      'CommitmentStarted',
    );
    const started = ['changed', 'approved', 'in_progress'];
    expect(await settle(() => diff.locator('[data-field="status"] td').allTextContents(), started)).toEqual(started);
    await page.getByRole('button', { name: 'Next' }).click();
    const firstReport = ['changed', '0', '40'];
    expect(await settle(() => diff.locator('[data-field="progress"] td').allTextContents(), firstReport)).toEqual(
      firstReport,
    );
    expect(await page.getByTestId('state').getByText('40%').count()).toBe(1);
    // The timeline has every event, with its command and correlation.
    expect(await page.getByTestId('timeline').locator(':scope > li').count()).toBe(events.length);
    expect(await page.getByTestId('timeline').textContent()).toContain(events[0].metadata.correlationId);
    expect(await axe(page, 'commitment-en').then(serious)).toEqual([]);
    await screenshot(page, 'commitment-en');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download the history (ndjson)' }).click();
    const file = await (await download).path();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(events.length);
    expect(lines.map((line) => JSON.parse(line).id)).toEqual(events.map((e: { id: string }) => e.id));

    await page.getByTestId('language').selectOption('ar');
    expect(await settle(() => page.evaluate(() => document.documentElement.dir), 'rtl')).toBe('rtl');
    expect(await settle(() => page.getByRole('heading', { level: 2, name: 'التسلسل الزمني' }).count(), 1)).toBe(1);
    expect(await axe(page, 'commitment-ar').then(serious)).toEqual([]);
    await screenshot(page, 'commitment-ar');
  });

  it('after a checkpoint, marks the event from the integrity log', async () => {
    const signed = await server.call('POST', '/audit/checkpoints', server.adminKey, {});
    expect(signed.status).toBeLessThan(300);
    const page = await (await newUser(browser)).newPage();
    await signIn(page, server, seed.keys.auditor, `/console/commitments/${seed.unitId}`);
    const mark = page.getByTestId('integrity');
    expect(await settle(() => mark.getAttribute('data-logged'), 'yes')).toBe('yes');
    expect(await mark.textContent()).toContain(`signed checkpoint of ${signed.body.treeSize} events`);
  });

  it('shows an integration key the timeline, but not the state at each revision', async () => {
    const page = await (await newUser(browser)).newPage();
    await signIn(page, server, seed.keys.qaIntegration, `/console/commitments/${seed.unitId}`);
    await page.getByTestId('timeline').waitFor();
    expect(await page.getByTestId('timeline').locator(':scope > li').count()).toBeGreaterThan(5);
    expect(await page.getByLabel('Revision', { exact: true }).count()).toBe(0);
    expect(await page.getByText('Auditors see the state at every revision').count()).toBe(1);
    expect(await page.getByTestId('raw-event').count()).toBe(0);
    // The timeline says what happened in words, who did it and what changed.
    const revised = page.getByTestId('timeline').locator('li[data-type="CommitmentRevised"]');
    expect(await revised.locator('strong').textContent()).toBe('Proposal revised');
    expect(await revised.textContent()).toContain('Integration · MA');
    expect(await revised.locator('[data-field="priority"]').textContent()).toBe('Priority: Normal → High');
    const history = (await server.call('GET', `/commitments/${seed.unitId}/history`, seed.keys.qaIntegration)).body
      .items;
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download the history (ndjson)' }).click();
    const lines = readFileSync(await (await download).path(), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((line) => JSON.parse(line).revision)).toEqual(
      history.map((entry: { revision: number }) => entry.revision),
    );
  });
});
