import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { TEST_PG_URL } from '@accord/event-store-postgres/testing/postgres-test-database';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import createClient, { type Client } from 'openapi-fetch';
import { Contract } from './contract';
import type { paths } from './generated/openapi';
import type { Clock } from '../../apps/api/src/infrastructure/clock';
import { createApp } from '../../apps/api/src/create-app';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/event-store.module';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly store: EventStore;
  readonly dir: string;
  readonly storeUrl: string;
  /** A request in process; its answer is checked against the OpenAPI document (support/contract.ts). */
  request(options: InjectOptions & { key?: string }): Promise<LightMyRequestResponse>;
  /** The client generated from the OpenAPI document (openapi-fetch), acting with this key. */
  client(key: string): Client<paths>;
  post(url: string, body: unknown, key: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  createKey(role: string, party?: string): Promise<string>;
  /** Every event in the global log. */
  log(): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

/** The real application, in this process, on a real SQLite file (or the URL given). */
/**
 * The store end-to-end tests run on: SQLite by default; with ACCORD_TEST_STORE=postgres, a
 * fresh schema in the test database (named in `<dir>/store-url`, so a restart reopens it,
 * and dropped by the global teardown).
 */
async function storeUrlFor(dir: string): Promise<string> {
  const remembered = join(dir, 'store-url');
  if (existsSync(remembered)) return readFileSync(remembered, 'utf8');
  let url = `sqlite:${join(dir, 'accord.db')}`;
  if (process.env.ACCORD_TEST_STORE === 'postgres') {
    url = `${TEST_PG_URL}?schema=accord_e2e_${process.env.ACCORD_TEST_RUN ?? 'local'}_${randomBytes(6).toString('hex')}`;
  }
  writeFileSync(remembered, url);
  return url;
}

export async function startTestApp(
  options: {
    dir?: string;
    storeUrl?: string;
    clock?: Clock;
    workers?: boolean;
    idempotencyLeaseMs?: number;
    corsOrigins?: string[];
    rateLimit?: Parameters<typeof createApp>[0]['rateLimit'];
    /** Checkpoints every so many events (never, by default: specs make them with POST /audit/checkpoints). */
    checkpointEvery?: number;
    checkpointIntervalMs?: number;
    logKey?: string;
  } = {},
): Promise<TestApp> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'accord-e2e-'));
  const storeUrl = options.storeUrl ?? (await storeUrlFor(dir));
  const app = await createApp(
    {
      storeUrl,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      adminKey: ADMIN_KEY,
      workers: options.workers ?? true,
      deadlineCheckMs: 3_600_000,
      readWaitMs: 5_000,
      projectionBatch: 2_000,
      readModelUrl: undefined,
      idempotencyLeaseMs: options.idempotencyLeaseMs ?? 5_000,
      corsOrigins: options.corsOrigins ?? [],
      rateLimit: options.rateLimit,
      logKey: options.logKey,
      checkpointEvery: options.checkpointEvery ?? 10_000_000,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 86_400_000,
    },
    { logger: false, clock: options.clock },
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const store = app.get<EventStore>(EVENT_STORE);
  const fastify = app.getHttpAdapter().getInstance();
  const contract = await Contract.load((await fastify.inject({ method: 'GET', url: '/docs-json' })).body);
  const request: TestApp['request'] = async ({ key, headers, ...rest }) => {
    const options = { ...rest, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(headers ?? {}) } };
    const response = await fastify.inject(options);
    contract.check(
      { method: String(options.method ?? 'GET'), url: String(options.url ?? '/'), headers: options.headers },
      response,
    );
    return response;
  };
  const post: TestApp['post'] = (url, body, key, headers = {}) =>
    request({ method: 'POST', url, payload: body as InjectOptions['payload'], key, headers });
  return {
    app,
    store,
    dir,
    storeUrl,
    request,
    post,
    client: (key) => createClient<paths>({ baseUrl: 'http://accord.test', fetch: injectedFetch(request, key) }),
    async createKey(role, party) {
      const response = await post('/admin/keys', { name: `${role} ${party ?? ''}`.trim(), role, party }, ADMIN_KEY);
      if (response.statusCode !== 201) throw new Error(`key: ${response.statusCode} ${response.body}`);
      return response.json().key;
    },
    async log() {
      const all: RecordedEvent[] = [];
      for (let after = 0; ;) {
        const page = await store.readAll({ after, maxCount: 1000 });
        if (page.length === 0) return all;
        all.push(...page);
        after = page[page.length - 1].position;
      }
    },
    async close() {
      await app.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fetch that hands the request to the app in process (through `request`, so it is checked too). */
function injectedFetch(request: TestApp['request'], key: string): (input: Request) => Promise<Response> {
  return async (input) => {
    const url = new URL(input.url);
    const payload = input.body ? await input.text() : undefined;
    const headers: Record<string, string> = {};
    input.headers.forEach((value, name) => (headers[name] = value));
    const answer = await request({
      method: input.method as InjectOptions['method'],
      url: `${url.pathname}${url.search}`,
      headers,
      payload,
      key,
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, String(one));
    }
    const empty = answer.statusCode === 204 || answer.statusCode === 304 || answer.rawPayload.length === 0;
    return new Response(empty ? null : new Uint8Array(answer.rawPayload), {
      status: answer.statusCode,
      headers: responseHeaders,
    });
  };
}

export const MOROCCO_QATAR = {
  title: 'Agreement on security cooperation between the Kingdom of Morocco and the State of Qatar',
  signedAt: '2014-03-12',
  signedIn: 'Rabat',
  parties: [
    { code: 'MA', name: 'Kingdom of Morocco', agencies: ['DGSN', 'DGST', 'Royal Gendarmerie'] },
    { code: 'QA', name: 'State of Qatar', agencies: ['Ministry of Interior', 'State Security'] },
  ],
  domains: ['counter-terrorism', 'organised crime', 'cybercrime', 'border security', 'stadium security'],
};
