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
        const row = delegate.getByTestId('positions').locator(`tr[data-party="${party}"]`);
        await row.waitFor();
        expect(await row.locator('td').nth(1).textContent()).toBe('Approve');
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
      expect(await item.getByTestId('positions').locator('tbody tr').count()).toBe(2);
      expect(await statusOf(secretariat, 'item-status')).toBe('decided');
      expect(await item.getByTestId('kind').textContent()).toBe('Review');
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
      const agreement = await server.call('GET', `/agreements/${seed.agreementId}`, seed.keys.auditor);
      const closedRow = page.locator(`tr[data-id="${seed.closedSessionId}"]`);
      expect(await closedRow.locator('td').nth(2).textContent()).toBe(agreement.body.title);
      expect(await closedRow.getByTestId('items-count').textContent()).toBe('2');
      expect(await closedRow.locator('[data-status]').getAttribute('data-status')).toBe('closed');

      // The filters are kept in the URL; the rows are those the API answers for the same filters.
      const idsOf = async (query: string) =>
        ((await server.call('GET', `/sessions?${query}`, seed.keys.auditor)).body.items as { id: string }[]).map(
          (s) => s.id,
        );
      const shownIds = () => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
      const closedIds = await idsOf('status=closed');
      expect(closedIds).toContain(seed.closedSessionId);
      await page.getByLabel('Status', { exact: true }).selectOption('closed');
      expect(page.url()).toContain('status=closed');
      expect(await settle(shownIds, closedIds)).toEqual(closedIds);
      const laterIds = await idsOf('status=closed&from=2030-06-01T00:00:00Z');
      expect(laterIds).not.toContain(seed.closedSessionId);
      await page.getByLabel('From (day)').fill('2030-06-01');
      expect(page.url()).toContain('from=2030-06-01');
      await page.reload();
      expect(await page.getByLabel('Status', { exact: true }).inputValue()).toBe('closed');
      expect(await page.getByLabel('From (day)').inputValue()).toBe('2030-06-01');
      expect(await settle(shownIds, laterIds)).toEqual(laterIds);
      await page.getByLabel('Until (day, included)').fill('2030-06-30');
      await page.getByText('Nothing here yet.').waitFor();
      expect(page.url()).toContain('to=2030-06-30');
      await page.getByRole('button', { name: 'Reset' }).click();
      expect(await settle(() => rows.count(), 2)).toBe(2);
      expect(page.url()).not.toContain('status=');
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

    it('shows a closed session as an auditor reads it: a decision, a deferral, when it opened and closed', async () => {
      const page = await (await newUser(browser)).newPage();
      await signIn(page, server, seed.keys.auditor, `/console/sessions/${seed.closedSessionId}`);
      const unit = page.locator(`[data-commitment="${seed.unitId}"]`);
      const stadium = page.locator(`[data-commitment="${seed.stadiumId}"]`);
      await unit.waitFor();
      expect(await unit.getByTestId('outcome').textContent()).toBe('Approve');
      expect(await stadium.getByTestId('item-status').locator('[data-status]').getAttribute('data-status')).toBe(
        'deferred',
      );
      expect(await stadium.getByTestId('deferral').textContent()).toContain('Deferred');
      expect(await page.getByTestId('attendance').textContent()).toBe('MA, QA');
      expect(
        await settle(async () => /\d{4}/.test((await page.getByTestId('opened-at').textContent()) ?? ''), true),
      ).toBe(true);
      expect(
        await settle(async () => /\d{4}/.test((await page.getByTestId('closed-at').textContent()) ?? ''), true),
      ).toBe(true);
      // The auditor reads, and is offered no command.
      expect(await page.getByRole('button', { name: 'Add to the agenda' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Close the session' }).count()).toBe(0);
    });

    it('shows the API refusal when a page acts on a session that moved on: opened twice, then added to once closed', async () => {
      const made = await server.call('POST', '/sessions', seed.keys.secretariat, {
        agreementId: seed.agreementId,
        scheduledFor: '2030-11-05T08:00:00Z',
        venue: 'Rabat, Parliament',
      });
      expect(made.status).toBe(201);
      const page = await (await newUser(browser)).newPage();
      await signIn(page, server, seed.keys.secretariat, `/console/sessions/${made.body.id}`);
      await page.getByRole('button', { name: 'Open the session' }).waitFor();

      // Another tab of the secretariat opens it first: this page's open is then a second one.
      const first = await server.call('POST', `/sessions/${made.body.id}/open`, seed.keys.secretariat, {
        attendance: ['MA', 'QA'],
      });
      expect(first.status).toBeLessThan(300);
      const twice = await server.call('POST', `/sessions/${made.body.id}/open`, seed.keys.secretariat, {
        attendance: ['MA', 'QA'],
      });
      expect(twice.status).toBeGreaterThanOrEqual(400);
      await page.getByRole('button', { name: 'Open the session' }).click();
      const problem = page.getByTestId('problem');
      await problem.waitFor();
      expect(await problem.textContent()).toContain(twice.body.detail);
      expect(await problem.textContent()).toContain(twice.body.code);

      // Closed meanwhile: adding to its agenda is refused with the API's words.
      expect(
        (await server.call('POST', `/sessions/${made.body.id}/close`, seed.keys.secretariat, {})).status,
      ).toBeLessThan(300);
      const closed = await server.call('POST', `/sessions/${made.body.id}/agenda`, seed.keys.secretariat, {
        commitmentId: seed.borderId,
        kind: 'review',
      });
      expect(closed.status).toBeGreaterThanOrEqual(400);
      await page.getByLabel('Commitment', { exact: true }).selectOption(seed.borderId);
      await page.getByRole('button', { name: 'Add to the agenda' }).click();
      const refused = page.locator('[data-testid="problem"]', { hasText: closed.body.detail });
      await refused.waitFor();
      expect(await refused.textContent()).toContain(closed.body.code);
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
