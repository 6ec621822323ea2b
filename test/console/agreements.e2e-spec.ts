import type { Browser, Page } from 'playwright-core';
import { seedAgreement, type Seeded } from '../support/console-seed';
import {
  axe,
  describeInBrowser,
  newUser,
  openBrowser,
  screenshot,
  serious,
  signIn,
  startConsoleServer,
  type ConsoleServer,
} from '../support/browser';

describeInBrowser('the console: agreements, their overview and dashboard, as of any instant', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let seeded: Seeded;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startConsoleServer(), openBrowser()]);
    seeded = await seedAgreement(server);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const cell = (page: Page, name: string) => page.locator(`[data-testid="by-domain-table"] [data-cell="${name}"]`);
  const total = (page: Page) => page.getByTestId('total');

  it('lists the agreement with its signature and parties, in English and Arabic', async () => {
    const page = await (await newUser(browser)).newPage();
    await signIn(page, server, seeded.keys.auditor, '/console/agreements');
    const row = page.getByTestId('agreements').locator('tbody tr');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const text = await row.first().textContent();
    expect(text).toContain('Morocco');
    expect(text).toContain('Qatar');
    expect(await axe(page, 'agreements-en').then(serious)).toEqual([]);
    await screenshot(page, 'agreements-en');
    await page.getByTestId('language').selectOption('ar');
    await page.getByRole('heading', { level: 1, name: 'الاتفاقيات' }).waitFor();
    expect(await axe(page, 'agreements-ar').then(serious)).toEqual([]);
    await screenshot(page, 'agreements-ar');
    await page.getByTestId('language').selectOption('en');
    await row.first().getByRole('link').click();
    await page.getByTestId('parties').waitFor();
    expect(page.url()).toContain(`/console/agreements/${seeded.agreementId}`);
  });

  it('shows parties, domains and the dashboard as charts whose tables carry the seeded counts', async () => {
    const page = await (await newUser(browser)).newPage();
    await signIn(page, server, seeded.keys.auditor, `/console/agreements/${seeded.agreementId}`);
    await page.getByTestId('dashboard').waitFor();
    expect(await page.getByTestId('parties').textContent()).toContain('DGSN');
    expect(await page.getByTestId('domains').textContent()).toContain('cybercrime');
    for (const chart of ['chart-by-domain', 'chart-by-party', 'chart-progress']) {
      await page.locator(`[data-testid="${chart}"] svg.recharts-surface`).first().waitFor();
    }
    expect(await cell(page, 'cybercrime:in_progress').textContent()).toBe('1');
    expect(await cell(page, 'border security:proposed').textContent()).toBe('1');
    expect(await total(page).textContent()).toContain('4');
    expect(await page.locator('[data-cell="MA:total"]').textContent()).toBe('2');
    expect(await page.locator('[data-cell="QA:total"]').textContent()).toBe('2');
    expect(await page.locator('[data-cell="cybercrime:percent"]').textContent()).toBe('100%');
    // A count links to the commitments list with the same filter.
    const link = cell(page, 'cybercrime:in_progress').locator('a');
    expect(await link.getAttribute('href')).toBe(
      `/console/commitments?agreementId=${seeded.agreementId}&status=in_progress&domain=cybercrime`,
    );
    expect(await axe(page, 'agreement-en').then(serious)).toEqual([]);
    await page.locator('[data-testid="chart-by-domain"] summary').click();
    await screenshot(page, 'agreement-en');
    await page.getByTestId('language').selectOption('ar');
    await page.getByRole('heading', { level: 2, name: 'لوحة المتابعة' }).waitFor();
    expect(await axe(page, 'agreement-ar').then(serious)).toEqual([]);
    await screenshot(page, 'agreement-ar');
  });

  it('moves the as-of slider to the registration: no commitment yet; Now brings the live counts back', async () => {
    const page = await (await newUser(browser)).newPage();
    await signIn(page, server, seeded.keys.maDelegate, `/console/agreements/${seeded.agreementId}`);
    await page.getByTestId('dashboard').waitFor();
    expect(await cell(page, 'cybercrime:in_progress').textContent()).toBe('1');
    expect(await page.getByTestId('as-of').getAttribute('data-live')).toBe('yes');
    const slider = page.getByLabel('As of');
    await slider.focus();
    await page.keyboard.press('Home');
    await page.locator('[data-testid="dashboard"]:not([data-as-of="live"])').waitFor();
    expect(await page.getByTestId('as-of').textContent()).toContain('As of');
    await total(page).filter({ hasText: /: 0$/ }).waitFor();
    expect(await cell(page, 'cybercrime:in_progress').count()).toBe(0);
    await page.getByRole('button', { name: 'Now' }).click();
    await page.locator('[data-testid="dashboard"][data-as-of="live"]').waitFor();
    await cell(page, 'cybercrime:in_progress').filter({ hasText: /^1$/ }).waitFor({ state: 'attached' });
    expect(await total(page).textContent()).toContain('4');
  });
});
