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
    await page.getByLabel('Status').selectOption('proposed');
    expect(await settle(async () => page.url().includes('status=proposed'), true)).toBe(true);
    expect(await settle(() => rows.count(), 2)).toBe(2);
    expect(
      await rows.locator('[data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))),
    ).toEqual(['proposed', 'proposed']);
    await page.getByRole('button', { name: 'Reset' }).click();
    expect(await settle(() => rows.count(), 4)).toBe(4);
    expect(await axe(page, 'commitments-list-en').then(serious)).toEqual([]);
    await screenshot(page, 'commitments-list-en');
    await page.getByTestId('language').selectOption('ar');
    expect(await settle(() => page.getByRole('heading', { level: 1 }).textContent(), 'الالتزامات')).toBe('الالتزامات');
    expect(await axe(page, 'commitments-list-ar').then(serious)).toEqual([]);
    await screenshot(page, 'commitments-list-ar');
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
    expect(await settle(() => page.getByTestId('event-type').textContent(), 'CommitmentRevised')).toBe(
      'CommitmentRevised',
    );
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
    expect(await settle(() => page.getByTestId('event-type').textContent(), events[2].type)).toBe(events[2].type);
    const raw = JSON.parse((await page.getByTestId('raw-event').textContent()) ?? '{}');
    expect(raw.metadata.hash).toBe(events[2].metadata.hash);
    expect(raw.metadata.prevHash).toBe(events[1].metadata.hash);
    expect(await settle(() => page.getByTestId('integrity').getAttribute('data-chain'), 'ok')).toBe('ok');
    // The timeline has every event, with its command and correlation.
    expect(await page.getByTestId('timeline').locator('li').count()).toBe(events.length);
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
    expect(await page.getByTestId('timeline').locator('li').count()).toBeGreaterThan(5);
    expect(await page.getByLabel('Revision', { exact: true }).count()).toBe(0);
    expect(await page.getByText('Auditors see the state at every revision').count()).toBe(1);
  });
});
