import type { Browser } from 'playwright-core';
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

describeInBrowser('the console: served at /console, signed in with a key, in three languages', () => {
  let server: ConsoleServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startConsoleServer(), openBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("refuses a wrong key with the API's problem message and keeps nothing", async () => {
    const context = await newUser(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/console/`);
    expect(await axe(page, 'sign-in-en').then(serious)).toEqual([]);
    await screenshot(page, 'sign-in-en');
    await page.getByLabel('API key').fill('not-a-key-of-this-server');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const problem = page.getByTestId('problem');
    await problem.waitFor();
    expect(await problem.textContent()).toContain('UNAUTHENTICATED');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await context.close();
  });

  it('keeps the key in sessionStorage only, never in the URL or localStorage, and forgets it on sign-out', async () => {
    const auditor = await server.key('auditor', undefined, 'Court of auditors');
    const context = await newUser(browser);
    const page = await context.newPage();
    await signIn(page, server, auditor);
    expect(await page.getByTestId('principal').textContent()).toContain('Court of auditors');
    expect(page.url()).not.toContain(auditor);
    const stored = await page.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: Object.values(localStorage),
    }));
    expect(stored.session).toContain(auditor);
    expect(stored.local).not.toContain(auditor);
    // A reload keeps the tab signed in; another tab (a new context) is not.
    await page.reload();
    await page.getByTestId('principal').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await context.close();
  });

  it('switches to Arabic: the page is right to left, labels are translated, and it stays accessible', async () => {
    const context = await newUser(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/console/`);
    await page.getByTestId('language').selectOption('ar');
    expect(await page.evaluate(() => [document.documentElement.dir, document.documentElement.lang])).toEqual([
      'rtl',
      'ar',
    ]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('تسجيل الدخول');
    expect(await axe(page, 'sign-in-ar').then(serious)).toEqual([]);
    await screenshot(page, 'sign-in-ar');
    await page.getByTestId('language').selectOption('fr');
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('ltr');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Connexion');
    await context.close();
  });

  it('is usable from the keyboard: the skip link comes first, and the key can be typed and sent without a mouse', async () => {
    const auditor = await server.key('auditor', undefined, 'Keyboard auditor');
    const page = await (await newUser(browser)).newPage();
    await page.goto(`${server.url}/console/`);
    // The page is drawn by its script after the load: Tab before that reaches nothing (seen on a loaded machine).
    await page.getByLabel('API key').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(page.url()).toMatch(/#main$/);
    await page.getByLabel('API key').focus();
    await page.keyboard.type(auditor);
    await page.keyboard.press('Enter');
    await page.getByTestId('principal').waitFor();
    // The navigation is reachable by Tab and followed with Enter.
    await page.getByRole('link', { name: 'Commitments' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Commitments' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/commitments');
  });

  it('opens a bookmarked view directly, and answers a missing asset with a problem', async () => {
    const page = await (await newUser(browser)).newPage();
    const view = await page.goto(`${server.url}/console/commitments?status=approved`);
    expect(view?.status()).toBe(200);
    expect(view?.headers()['content-security-policy']).toContain("script-src 'self'");
    const missing = await fetch(`${server.url}/console/assets/missing.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await missing.json()).code).toBe('NOT_FOUND');
  });
});
