import type { Browser } from 'playwright-core';
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

describeInBrowser('the console: audit — verify status, chain digest, signed checkpoints', () => {
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

  it("lets the admin sign a checkpoint from the page: it covers the log's every event", async () => {
    const page = await (await newUser(browser)).newPage();
    await signIn(page, server, server.adminKey, '/console/audit');
    await page.getByTestId('digest').waitFor();
    const digest = await server.call('GET', '/audit/digest', server.adminKey);
    expect(digest.status).toBe(200);
    await page.getByRole('button', { name: 'Sign a checkpoint now' }).click();
    const checkpoint = page.locator(`[data-testid="checkpoint"][data-tree-size="${digest.body.count}"]`);
    await checkpoint.waitFor();
    expect(await page.getByTestId('checkpoint-note').textContent()).toContain(String(digest.body.count));
    await page.getByTestId('history').locator('tbody tr').first().waitFor();
    expect(await page.getByTestId('history').locator('tbody tr').first().locator('th').textContent()).toBe(
      String(digest.body.count),
    );
    await page.locator('[data-testid="history-chart"] svg.recharts-surface').waitFor();
  });

  it('shows the auditor the verify status and the same digest as GET /audit/digest, and no sign button', async () => {
    const page = await (await newUser(browser)).newPage();
    await signIn(page, server, seeded.keys.auditor, '/console/audit');
    await page.getByTestId('digest-value').waitFor();
    const digest = await server.call('GET', '/audit/digest', seeded.keys.auditor);
    expect(await page.getByTestId('digest-value').textContent()).toBe(digest.body.digest);
    expect(await page.getByTestId('digest-count').textContent()).toBe(String(digest.body.count));
    expect(await page.getByTestId('verify-status').getAttribute('data-status')).toBe('ok');
    expect(await page.getByTestId('verify-status').textContent()).toContain('Integrity: ok');
    await page.getByTestId('checkpoint').waitFor();
    expect(await page.getByRole('button', { name: 'Sign a checkpoint now' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(1);
    expect(await axe(page, 'audit-en').then(serious)).toEqual([]);
    await screenshot(page, 'audit-en');
    await page.getByTestId('language').selectOption('ar');
    await page.getByRole('heading', { level: 1, name: 'التدقيق' }).waitFor();
    await page.getByText('النزاهة: سليمة', { exact: false }).waitFor();
    expect(await axe(page, 'audit-ar').then(serious)).toEqual([]);
    await screenshot(page, 'audit-ar');
  });

  it("hides Audit from an integration key, and shows the API's refusal on /console/audit", async () => {
    const page = await (await newUser(browser)).newPage();
    await signIn(page, server, seeded.keys.maIntegration, '/console/agreements');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await page.goto(`${server.url}/console/audit`);
    const problem = page.getByTestId('problem');
    await problem.waitFor();
    const text = await problem.textContent();
    expect(text).toContain('FORBIDDEN');
    expect(text).toContain('403');
    expect(await page.getByTestId('digest').count()).toBe(0);
  });
});
