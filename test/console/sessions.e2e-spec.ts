import type { Browser, Page } from 'playwright-core';
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

describeInBrowser(
  'the console: a committee session run by the secretariat while two delegations record positions',
  () => {
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

    const statusOf = (page: Page, testId: string) =>
      page.getByTestId(testId).locator('[data-status]').first().getAttribute('data-status');

    it('schedules, sets the agenda, opens, decides with both parties, closes, and the decision reaches the commitment', async () => {
      const secretariat = await (await newUser(browser)).newPage();
      const sessionPath = `/console/sessions/${seed.nextSessionId}`;
      await signIn(secretariat, server, seed.keys.secretariat, sessionPath);
      expect(await settle(() => statusOf(secretariat, 'session-status'), 'scheduled')).toBe('scheduled');

      // A refused action shows the API's own message: a withdrawn commitment cannot go on the agenda.
      const refusal = await server.call('POST', `/sessions/${seed.nextSessionId}/agenda`, seed.keys.secretariat, {
        commitmentId: seed.trainingId,
        kind: 'review',
      });
      expect(refusal.status).toBeGreaterThanOrEqual(400);
      await secretariat.getByLabel('Commitment', { exact: true }).selectOption(seed.trainingId);
      await secretariat.getByRole('button', { name: 'Add to the agenda' }).click();
      const problem = secretariat.getByTestId('problem');
      await problem.waitFor();
      expect(await problem.textContent()).toContain(refusal.body.detail);
      expect(await problem.textContent()).toContain(refusal.body.code);

      await secretariat.getByLabel('Commitment', { exact: true }).selectOption(seed.borderId);
      await secretariat.getByLabel('Kind').selectOption('review');
      await secretariat.getByRole('button', { name: 'Add to the agenda' }).click();
      const item = secretariat.locator(`[data-commitment="${seed.borderId}"]`);
      await item.waitFor();
      expect(await item.getByRole('link').textContent()).toBe('Shared watch list at border crossings');
      await secretariat.getByRole('button', { name: 'Open the session' }).click();
      expect(await settle(() => statusOf(secretariat, 'session-status'), 'open')).toBe('open');
      expect(await secretariat.getByTestId('attendance').textContent()).toBe('MA, QA');

      // Each delegation, in its own browser context, records its party's position.
      for (const [key, party] of [
        [seed.keys.maDelegate, 'MA'],
        [seed.keys.qaDelegate, 'QA'],
      ] as const) {
        const delegate = await (await newUser(browser)).newPage();
        await signIn(delegate, server, key, sessionPath);
        const select = delegate.getByLabel(`Position of ${party}`);
        await select.selectOption('approve');
        await delegate.getByRole('button', { name: 'Record position' }).click();
        const positions = delegate.getByTestId('positions');
        await positions.waitFor();
        expect(await settle(async () => (await positions.textContent())?.includes(`${party}: Approve`), true)).toBe(
          true,
        );
        if (party === 'MA') {
          expect(await axe(delegate, 'session-en').then(serious)).toEqual([]);
          await screenshot(delegate, 'session-en');
          await delegate.getByTestId('language').selectOption('ar');
          await delegate.getByRole('heading', { level: 2, name: 'جدول الأعمال' }).waitFor();
          expect(await delegate.evaluate(() => document.documentElement.dir)).toBe('rtl');
          expect(await axe(delegate, 'session-ar').then(serious)).toEqual([]);
          await screenshot(delegate, 'session-ar');
        }
        await delegate.context().close();
      }

      // The secretariat sees the decision, then closes the session.
      const outcome = async () => {
        await secretariat.reload();
        await item.waitFor();
        return item
          .getByTestId('outcome')
          .textContent({ timeout: 1000 })
          .catch(() => null);
      };
      expect(await settle(outcome, 'Approve')).toBe('Approve');
      expect(await item.getByTestId('positions').locator('li').count()).toBe(2);
      await secretariat.getByRole('button', { name: 'Close the session' }).click();
      expect(await settle(() => statusOf(secretariat, 'session-status'), 'closed')).toBe('closed');

      // The process manager applies the decision to the commitment, as a new event.
      await item.getByRole('link').click();
      const commitmentStatus = async () => {
        await secretariat.reload();
        await secretariat.getByTestId('commitment-status').waitFor();
        return statusOf(secretariat, 'commitment-status');
      };
      expect(await settle(commitmentStatus, 'approved')).toBe('approved');
    });

    it('lists the sessions and shows them on a calendar, in English and Arabic', async () => {
      const page = await (await newUser(browser)).newPage();
      await signIn(page, server, seed.keys.auditor, '/console/sessions');
      const rows = page.getByTestId('sessions').locator('tbody tr');
      expect(await settle(() => rows.count(), 2)).toBe(2);
      expect(await axe(page, 'sessions-list-en').then(serious)).toEqual([]);
      await screenshot(page, 'sessions-list-en');
      await page.getByRole('button', { name: 'Calendar' }).click();
      expect(await settle(() => page.getByTestId('month').textContent(), 'March 2030')).toBe('March 2030');
      expect(await page.locator(`[data-testid="calendar"] [data-id="${seed.closedSessionId}"]`).count()).toBe(1);
      await page.goto(`${server.url}/console/sessions?view=calendar&month=2030-08`);
      await page.getByRole('button', { name: 'Next month' }).click();
      expect(await settle(() => page.getByTestId('month').textContent(), 'September 2030')).toBe('September 2030');
      expect(await page.locator(`[data-testid="calendar"] [data-id="${seed.nextSessionId}"]`).count()).toBe(1);
      expect(page.url()).toContain('month=2030-09');
      expect(await axe(page, 'sessions-calendar-en').then(serious)).toEqual([]);
      await screenshot(page, 'sessions-calendar-en');
      await page.getByTestId('language').selectOption('ar');
      await page.getByRole('heading', { level: 1, name: 'الدورات' }).waitFor();
      expect(await axe(page, 'sessions-calendar-ar').then(serious)).toEqual([]);
      await screenshot(page, 'sessions-calendar-ar');
      await page.getByRole('button', { name: 'قائمة' }).click();
      await page.getByTestId('sessions').waitFor();
      expect(await axe(page, 'sessions-list-ar').then(serious)).toEqual([]);
      await screenshot(page, 'sessions-list-ar');
    });

    it('schedules a session from the form, and only the secretariat is offered the form', async () => {
      const auditor = await (await newUser(browser)).newPage();
      await signIn(auditor, server, seed.keys.auditor, '/console/sessions');
      await auditor.getByTestId('sessions').waitFor();
      expect(await auditor.getByRole('button', { name: 'Schedule' }).count()).toBe(0);

      const page = await (await newUser(browser)).newPage();
      await signIn(page, server, seed.keys.secretariat, '/console/sessions');
      await page.getByLabel('Date and time (UTC)').fill('2031-01-20T10:00');
      await page.getByLabel('Venue').fill('Doha, Sheraton');
      await page.getByRole('button', { name: 'Schedule' }).click();
      await page.getByRole('heading', { level: 1, name: /Doha, Sheraton/ }).waitFor();
      const id = page.url().split('/').pop()!;
      const stored = await server.call('GET', `/sessions/${id}`, seed.keys.auditor);
      expect(stored.body.venue).toBe('Doha, Sheraton');
      expect(new Date(stored.body.scheduledFor).toISOString()).toBe('2031-01-20T10:00:00.000Z');
    });
  },
);
