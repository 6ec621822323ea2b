/// <reference lib="dom" />
// Page functions (page.evaluate) run in the browser: their globals are the DOM's.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startApi, type ApiProcess } from './api-process';

/**
 * The console's end-to-end suites: Debian's Chromium (apt-get install -y chromium), driven by
 * playwright-core, against the compiled API (`npm start`'s dist/) serving the built console on
 * a fresh SQLite file. No browser is ever downloaded by a tool.
 */
export const CHROMIUM_PATH = process.env.ACCORD_CHROMIUM ?? '/usr/bin/chromium';
/** Without the background-networking flags Chromium's calls home are refused by this closed network, many at a time. */
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

const REPORTS = join(__dirname, '..', '..', 'reports', 'console');
export const SCREENSHOTS = join(REPORTS, 'screenshots');
const AXE_RESULTS = join(REPORTS, 'axe');

/**
 * `describe` when Chromium is installed. When it is not: a failing suite under
 * ACCORD_REQUIRE_BROWSER=1 (CI sets it), otherwise one loud warning and a skipped suite.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, body);
    return;
  }
  if (process.env.ACCORD_REQUIRE_BROWSER === '1') {
    describe(name, () => {
      beforeAll(() => {
        throw new Error(
          `A browser is required (ACCORD_REQUIRE_BROWSER=1) but ${CHROMIUM_PATH} is missing: apt-get install -y chromium`,
        );
      });
      it('needs Chromium', () => undefined);
    });
    return;
  }
  console.warn(
    `SKIPPED the browser suite "${name}": no Chromium at ${CHROMIUM_PATH}. Install it with ` +
      '`apt-get install -y chromium` (or set ACCORD_CHROMIUM), or set ACCORD_REQUIRE_BROWSER=1 to fail instead.',
  );
  describe.skip(name, body);
}

export async function openBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
}

export interface ConsoleServer {
  readonly url: string;
  readonly api: ApiProcess;
  readonly adminKey: string;
  /** A call to the API as a service would make it (JSON in, JSON out). */
  call(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** A new API key of this role (and party), made by the admin. */
  key(role: 'integration' | 'secretariat' | 'delegate' | 'auditor', party?: string, name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** The compiled API on a fresh SQLite file, as `npm start` runs it, workers on. */
export async function startConsoleServer(env: Record<string, string> = {}): Promise<ConsoleServer> {
  const dir = mkdtempSync(join(tmpdir(), 'accord-console-'));
  const adminKey = 'console-e2e-admin-key-0123456789';
  const api = await startApi(
    { ACCORD_STORE: `sqlite:${join(dir, 'accord.db')}`, ACCORD_ADMIN_KEY: adminKey, ...env },
    dir,
  );
  const call: ConsoleServer['call'] = async (method, path, key, body) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  return {
    url: api.url,
    api,
    adminKey,
    call,
    async key(role, party, name) {
      const made = await call('POST', '/admin/keys', adminKey, {
        name: name ?? `${role}${party ? ` ${party}` : ''}`,
        role,
        ...(party ? { party } : {}),
      });
      if (made.status !== 201) throw new Error(`key ${role}: ${made.status} ${JSON.stringify(made.body)}`);
      return made.body.key;
    },
    async stop() {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A new browser context (its own sessionStorage: one user) in the given language. */
export async function newUser(browser: Browser, locale = 'en-GB'): Promise<BrowserContext> {
  return browser.newContext({ locale, viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
}

/** Signs in through the sign-in form, as a user would, and waits for the header to name the key. */
export async function signIn(page: Page, server: ConsoleServer, key: string, path = '/console/'): Promise<void> {
  await page.goto(`${server.url}${path}`);
  await page.getByLabel(/API key|Clé d'API|مفتاح/).fill(key);
  await page.getByRole('button', { name: /Sign in|Se connecter|دخول/ }).click();
  await page.getByTestId('principal').waitFor();
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is and returns every violation;
 * the results are also written to reports/console/axe/<view>.json for the closing note.
 * Injected through the DevTools protocol, so the console's CSP (no inline scripts) stays on.
 */
export async function axe(page: Page, view: string): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const run = (window as unknown as { axe: { run(options: unknown): Promise<any> } }).axe; // eslint-disable-line @typescript-eslint/no-explicit-any
    const outcome = await run.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return {
      passes: outcome.passes.length as number,
      violations: outcome.violations.map(
        (v: { id: string; impact: string | null; help: string; nodes: unknown[] }) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.length,
        }),
      ) as AxeViolation[],
    };
  });
  mkdirSync(AXE_RESULTS, { recursive: true });
  writeFileSync(
    join(AXE_RESULTS, `${view}.json`),
    `${JSON.stringify({ view, url: page.url(), ...result }, null, 2)}\n`,
  );
  return result.violations;
}

/** The violations that fail a view: serious or critical. */
export const serious = (violations: AxeViolation[]) =>
  violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');

/** A full-page screenshot to reports/console/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A temporary folder for downloads, removed by the caller. */
export function downloadsDir(): string {
  return mkdtempSync(join(tmpdir(), 'accord-downloads-'));
}

/**
 * What `read` answers once it equals `expected` (deep equality), read again every 50 ms while
 * the page catches up, for at most `timeoutMs`; the last answer otherwise, for the caller's
 * `expect` to report. The page's own state is waited for, never a fixed time.
 */
export async function settle<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (JSON.stringify(value) === JSON.stringify(expected) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
