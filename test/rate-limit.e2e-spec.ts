import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LightMyRequestResponse } from 'fastify';
import { startApi } from './support/api-process';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

const STORE = process.env.ACCORD_TEST_STORE === 'postgres' ? 'PostgreSQL' : 'SQLite';
const MAIN = join(__dirname, '..', 'dist', 'apps', 'api', 'src', 'main.js');

/** The draft-6 fields (RateLimit-Limit, -Remaining, -Reset) and Retry-After, as numbers. */
function limitHeaders(response: LightMyRequestResponse | Response) {
  const get = (name: string) => {
    const value = response instanceof Response ? response.headers.get(name) : response.headers[name];
    return value === undefined || value === null ? undefined : Number(value);
  };
  return {
    limit: get('ratelimit-limit'),
    remaining: get('ratelimit-remaining'),
    reset: get('ratelimit-reset'),
    retryAfter: get('retry-after'),
  };
}

const count = <T>(items: T[], pick: (item: T) => unknown) =>
  items.reduce<Record<string, number>>((tally, item) => {
    const key = String(pick(item));
    tally[key] = (tally[key] ?? 0) + 1;
    return tally;
  }, {});

/**
 * ACCORD_RATE_LIMIT (README, Configuration; decision 0020): each API key's budget, each IP's
 * without a valid key, answered 429 RATE_LIMITED with Retry-After and the RateLimit-* fields
 * past it, on every route but /health; off by default. Real parallel requests on the real app.
 */
describe(`rate limits an integrator can read (real app, ${STORE})`, () => {
  describe('off by default', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('adds no RateLimit header and refuses nothing, however many requests', async () => {
      const responses = await Promise.all(
        Array.from({ length: 30 }, () => t.request({ method: 'GET', url: '/commitments', key: ADMIN_KEY })),
      );
      expect(count(responses, (r) => r.statusCode)).toEqual({ 200: 30 });
      for (const r of responses) {
        expect(Object.keys(r.headers).filter((name) => /ratelimit|retry-after/i.test(name))).toEqual([]);
      }
    });
  });

  describe('ACCORD_RATE_LIMIT=5/min', () => {
    let t: TestApp;
    let secretariat: string;
    let auditor: string;
    let other: string;
    beforeAll(async () => {
      t = await startTestApp({ rateLimit: { max: 5, windowMs: 60_000, per: 'minute' } });
      secretariat = await t.createKey('secretariat');
      auditor = await t.createKey('auditor');
      other = await t.createKey('auditor');
    });
    afterAll(() => t.close());

    const read = (key?: string) => t.request({ method: 'GET', url: '/commitments', key });

    it('counts RateLimit-Remaining down under the limit, with the limit and the reset', async () => {
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await read(auditor));
      expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
      expect(answers.map((r) => limitHeaders(r).remaining)).toEqual([4, 3, 2, 1, 0]);
      for (const r of answers) {
        const { limit, reset, retryAfter } = limitHeaders(r);
        expect(limit).toBe(5);
        expect(reset).toBeGreaterThanOrEqual(1);
        expect(reset).toBeLessThanOrEqual(60);
        expect(retryAfter).toBeUndefined();
      }
    });

    it('answers 429 RATE_LIMITED as a problem with Retry-After and the RateLimit fields past it', async () => {
      const refused = await read(auditor);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(refused.json()).toEqual({
        type: 'https://accord.dev/problems/rate-limited',
        title: 'Too many requests',
        status: 429,
        code: 'RATE_LIMITED',
        detail: expect.stringMatching(
          /^Too many requests: this API key may make 5 requests a minute; retry in \d+ seconds? \(Retry-After\)$/,
        ),
        instance: '/commitments',
      });
      const { limit, remaining, reset, retryAfter } = limitHeaders(refused);
      expect({ limit, remaining }).toEqual({ limit: 5, remaining: 0 });
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(reset).toBe(retryAfter);
    });

    it('gives another key its own budget, whatever the first one spent', async () => {
      const answer = await read(other);
      expect(answer.statusCode).toBe(200);
      expect(limitHeaders(answer)).toMatchObject({ limit: 5, remaining: 4 });
    });

    it('lets exactly the budget through of 12 parallel commands, and appends nothing for the refused', async () => {
      const before = (await t.log()).length;
      const responses = await Promise.all(
        Array.from({ length: 12 }, () => t.post('/agreements', MOROCCO_QATAR, secretariat)),
      );
      expect(count(responses, (r) => r.statusCode)).toEqual({ 201: 5, 429: 7 });
      const accepted = responses.filter((r) => r.statusCode === 201);
      expect(accepted.map((r) => limitHeaders(r).remaining).sort()).toEqual([0, 1, 2, 3, 4]);
      for (const r of responses.filter((r) => r.statusCode === 429)) {
        expect(r.json().code).toBe('RATE_LIMITED');
        expect(limitHeaders(r)).toMatchObject({ limit: 5, remaining: 0 });
        expect(limitHeaders(r).retryAfter).toBeGreaterThanOrEqual(1);
      }
      expect((await t.log()).length).toBe(before + 5);
    });

    it('budgets a request without a valid key by its address, apart from the keys', async () => {
      // The address may have spent some already (the harness reads /docs-json, limited too).
      const responses: LightMyRequestResponse[] = [];
      while (responses.length <= 5 && responses.at(-1)?.statusCode !== 429) {
        responses.push(await read(responses.length % 2 === 0 ? undefined : 'acc_not-a-key'));
      }
      const refused = responses.pop()!;
      expect(refused.statusCode).toBe(429);
      expect(refused.json().detail).toMatch(/^Too many requests: this address \(no valid API key\) may make 5/);
      expect(responses.length).toBeGreaterThanOrEqual(3);
      expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 401));
      const remaining = responses.map((r) => limitHeaders(r).remaining);
      expect(remaining).toEqual(remaining.map((_, i) => remaining.length - 1 - i));
      // The keys' budgets are theirs: a key with budget left still gets in from that address.
      expect((await read(other)).statusCode).toBe(200);
    });

    it('never limits /health', async () => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => t.request({ method: 'GET', url: '/health' })),
      );
      expect(count(responses, (r) => r.statusCode)).toEqual({ 200: 20 });
      for (const r of responses) expect(limitHeaders(r)).toEqual({});
    });
  });

  describe('at start, from the environment', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'accord-rate-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('refuses to start on a limit it cannot read, saying what it takes', async () => {
      const failure = await promisify(execFile)(process.execPath, [MAIN], {
        env: { PATH: process.env.PATH ?? '', ACCORD_RATE_LIMIT: '120/day', PORT: '0', HOST: '127.0.0.1' },
      }).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toContain(
        'accord api failed to start: ACCORD_RATE_LIMIT must be off or requests per second, minute or hour',
      );
      expect(failure?.stderr).toContain('not "120/day"');
    });

    // The limiter keeps its counts in the process, whatever the store: this one runs on SQLite.
    it('limits a started API over HTTP: 3 of 6 parallel requests pass, the others are 429', async () => {
      const api = await startApi(
        { ACCORD_STORE: `sqlite:${join(dir, 'accord.db')}`, ACCORD_ADMIN_KEY: ADMIN_KEY, ACCORD_RATE_LIMIT: '3/min' },
        dir,
      );
      try {
        const responses = await Promise.all(
          Array.from({ length: 6 }, () =>
            fetch(`${api.url}/projections`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }),
          ),
        );
        expect(count(responses, (r) => r.status)).toEqual({ 200: 3, 429: 3 });
        for (const r of responses) expect(limitHeaders(r)).toMatchObject({ limit: 3 });
        const refused = responses.find((r) => r.status === 429)!;
        expect(refused.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
        expect(((await refused.json()) as { code: string }).code).toBe('RATE_LIMITED');
        expect(limitHeaders(refused).retryAfter).toBeGreaterThanOrEqual(1);
      } finally {
        await api.stop();
      }
    });
  });
});
