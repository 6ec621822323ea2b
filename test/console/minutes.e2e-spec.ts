import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import {
  axe,
  describeInBrowser,
  downloadsDir,
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
import { pdfText } from '../support/pdf-text';

describeInBrowser('the console: the minutes of a closed session, downloaded and approved by both delegations', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let seed: Seeded;
  let downloads: string;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startConsoleServer(), openBrowser()]);
    seed = await seedAgreement(server);
    downloads = downloadsDir();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(downloads, { recursive: true, force: true });
  });

  it('shows the hash awaiting both parties, downloads the Arabic PDF, and each delegate approves until adopted', async () => {
    const path = `/console/sessions/${seed.closedSessionId}`;
    const minutes = (await server.call('GET', `/sessions/${seed.closedSessionId}/minutes`, seed.keys.auditor)).body;
    expect(minutes.status).toBe('awaiting-approval');

    const auditor = await (await newUser(browser)).newPage();
    await signIn(auditor, server, seed.keys.auditor, path);
    const panel = auditor.getByTestId('minutes');
    await panel.waitFor();
    expect(await panel.locator('code.hash').first().textContent()).toBe(minutes.contentHash);
    expect(await auditor.getByTestId('minutes-status-0').textContent()).toBe('Awaiting the approval of MA, QA.');
    // An auditor reads and downloads, but has no approval to give.
    expect(await auditor.getByTestId('approve-0').count()).toBe(0);
    const [download] = await Promise.all([
      auditor.waitForEvent('download'),
      auditor.getByRole('button', { name: 'PDF (ar)' }).click(),
    ]);
    const file = join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    const pdf = readFileSync(file);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfText(pdf)).toContain('محضر اجتماع اللجنة المختلطة');
    expect(pdfText(pdf)).toContain(minutes.contentHash);
    expect(await axe(auditor, 'minutes-en').then(serious)).toEqual([]);

    for (const [key, party, after] of [
      [seed.keys.maDelegate, 'MA', 'Awaiting the approval of QA.'],
      [seed.keys.qaDelegate, 'QA', 'Adopted on'],
    ] as const) {
      const delegate = await (await newUser(browser)).newPage();
      await signIn(delegate, server, key, path);
      await delegate.getByRole('button', { name: `Approve these minutes for ${party}` }).click();
      const status = delegate.getByTestId('minutes-status-0');
      expect(await settle(async () => (await status.textContent())?.startsWith(after), true)).toBe(true);
      expect(await delegate.getByTestId('approve-0').count()).toBe(0);
      if (party === 'QA') await screenshot(delegate, 'minutes-adopted-en');
    }
    const adopted = (await server.call('GET', `/sessions/${seed.closedSessionId}/minutes`, seed.keys.auditor)).body;
    expect(adopted).toMatchObject({ status: 'adopted', contentHash: minutes.contentHash, awaiting: [] });
  });

  it('reads in Arabic, right to left', async () => {
    const page = await (await newUser(browser, 'ar')).newPage();
    await signIn(page, server, seed.keys.auditor, `/console/sessions/${seed.closedSessionId}`);
    await page.getByTestId('language').selectOption('ar');
    await page.getByRole('heading', { name: 'المحضر' }).waitFor();
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await axe(page, 'minutes-ar').then(serious)).toEqual([]);
  });
});
