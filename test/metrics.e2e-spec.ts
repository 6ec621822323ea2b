import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_PG_URL } from '@accord/event-store-postgres/testing/postgres-test-database';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions } from 'fastify';
import { createApp } from '../apps/api/src/create-app';
import type { ObservabilityConfig } from '../apps/api/src/infrastructure/api-config';
import { MetricsPortServer } from '../apps/api/src/observability/metrics.module';
import { ADMIN_KEY, MOROCCO_QATAR } from './support/test-app';

const POSTGRES = process.env.ACCORD_TEST_STORE === 'postgres';
const STORE = POSTGRES ? 'PostgreSQL' : 'SQLite';
const TOKEN = 'metrics-token-0123456789abcdef';

/** The real app with observability settings of its own (startTestApp builds its config without them). */
async function startApp(observability?: ObservabilityConfig) {
  const dir = mkdtempSync(join(tmpdir(), 'accord-metrics-'));
  const storeUrl = POSTGRES
    ? `${TEST_PG_URL}?schema=accord_e2e_${process.env.ACCORD_TEST_RUN ?? 'local'}_${randomBytes(6).toString('hex')}`
    : `sqlite:${join(dir, 'accord.db')}`;
  const app: NestFastifyApplication = await createApp(
    {
      storeUrl,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      adminKey: ADMIN_KEY,
      workers: true,
      deadlineCheckMs: 3_600_000,
      readWaitMs: 5_000,
      projectionBatch: 2_000,
      readModelUrl: undefined,
      idempotencyLeaseMs: 5_000,
      corsOrigins: [],
      logKey: undefined,
      checkpointEvery: 10_000_000,
      checkpointIntervalMs: 86_400_000,
      ...(observability ? { observability } : {}),
    },
    { logger: false },
  );
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  const request = ({ key, headers, ...rest }: InjectOptions & { key?: string }) =>
    fastify.inject({ ...rest, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(headers ?? {}) } });
  const post = (url: string, body: unknown, key: string, headers: Record<string, string> = {}) =>
    request({ method: 'POST', url, payload: body as InjectOptions['payload'], key, headers });
  return {
    app,
    request,
    post,
    async createKey(role: string, party?: string): Promise<string> {
      const response = await post('/admin/keys', { name: `${role} ${party ?? ''}`.trim(), role, party }, ADMIN_KEY);
      if (response.statusCode !== 201) throw new Error(`key: ${response.statusCode} ${response.body}`);
      return response.json().key;
    },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

interface Exposition {
  readonly types: Map<string, string>;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * The Prometheus text exposition format (version 0.0.4), read by its grammar: each family's
 * HELP and TYPE at most once and before its samples, every other line `name{labels} value`,
 * label values quoted with \\ \" \n escapes, values floats (or Inf and NaN), a sample's
 * name its family's (histograms: _bucket, _sum, _count; summaries: _sum, _count). Throws on
 * anything else, so a test fails naming the line.
 */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const sampled = new Set<string>();
  const samples: Sample[] = [];
  const familyOf = (name: string): string => {
    if (types.has(name)) return name;
    for (const suffix of ['_bucket', '_sum', '_count', '_created']) {
      const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
      if (base && (types.get(base) === 'histogram' || types.get(base) === 'summary')) {
        if (suffix === '_bucket' && types.get(base) !== 'histogram') break;
        return base;
      }
    }
    throw new Error(`sample ${name} has no TYPE line before it`);
  };
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a line feed');
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const comment = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
    if (comment) {
      const [, kind, name, rest = ''] = comment;
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      if (sampled.has(name)) throw new Error(`${kind} of ${name} after its samples: ${line}`);
      if (kind === 'HELP') {
        if (helps.has(name)) throw new Error(`a second HELP for ${name}`);
        helps.add(name);
      } else {
        if (types.has(name)) throw new Error(`a second TYPE for ${name}`);
        if (!TYPES.has(rest.trim())) throw new Error(`unknown type in: ${line}`);
        types.set(name, rest.trim());
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name, , body = '', valueText] = match;
    const labels: Record<string, string> = {};
    let rest = body;
    while (rest.length > 0) {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,?)/.exec(rest);
      if (!label || !LABEL_NAME.test(label[1])) throw new Error(`bad labels in: ${line}`);
      if (label[1] in labels) throw new Error(`label ${label[1]} twice in: ${line}`);
      labels[label[1]] = label[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(label[0].length);
      if (label[3] === '' && rest.length > 0) throw new Error(`labels not separated by commas in: ${line}`);
    }
    // Values as Prometheus reads them (Go's ParseFloat): a float, or Inf / NaN in any case
    // (prom-client writes NaN as "Nan", an event-loop mean before its first sample).
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?inf$|^nan$/i.test(valueText))
      throw new Error(`bad value in: ${line}`);
    const value = /nan/i.test(valueText)
      ? NaN
      : /inf/i.test(valueText)
        ? valueText.startsWith('-')
          ? -Infinity
          : Infinity
        : Number(valueText);
    const family = familyOf(name);
    sampled.add(family);
    if (name.endsWith('_bucket') && types.get(family) === 'histogram' && labels.le === undefined) {
      throw new Error(`a bucket without le: ${line}`);
    }
    samples.push({ name, labels, value });
  }
  // Each histogram series: buckets cumulative, the +Inf bucket equal to _count.
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const s of samples.filter((s) => s.name === `${family}_bucket`)) {
      const { le, ...rest } = s.labels;
      void le;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      for (let i = 1; i < buckets.length; i++) {
        if (buckets[i].value < buckets[i - 1].value) throw new Error(`${family}${key}: buckets not cumulative`);
      }
      const inf = buckets.find((b) => b.labels.le === '+Inf');
      const count = samples.find((s) => s.name === `${family}_count` && JSON.stringify(s.labels) === key);
      if (!inf || !count || inf.value !== count.value) throw new Error(`${family}${key}: +Inf bucket is not _count`);
    }
  }
  return { types, samples };
}

/** The value of one series (0 when absent: a counter not moved yet). */
function valueOf(exposition: Exposition, name: string, labels: Record<string, string>): number {
  const found = exposition.samples.find(
    (s) =>
      s.name === name &&
      Object.keys(labels).length === Object.keys(s.labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found?.value ?? 0;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe(`GET /metrics behind a token (real app, ${STORE})`, () => {
  let t: Awaited<ReturnType<typeof startApp>>;
  let ma: string;
  let agreementId: string;
  const scrape = async (): Promise<Exposition> => {
    const response = await t.request({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(response.body);
  };
  const proposal = () => ({
    agreementId,
    title: 'Joint cybercrime investigation unit',
    description: 'A joint unit and a 24/7 contact point for cybercrime cases.',
    domain: 'cybercrime',
    leadAgencies: ['DGSN'],
    dueDate: '2030-06-30',
    priority: 'high',
  });

  beforeAll(async () => {
    t = await startApp({ metricsToken: TOKEN });
    const secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    const registered = await t.post('/agreements', MOROCCO_QATAR, secretariat);
    expect(registered.statusCode).toBe(201);
    agreementId = registered.json().id;
  });
  afterAll(() => t.close());

  it('answers 401 UNAUTHENTICATED without the token or with another, and the text with it', async () => {
    for (const authorization of [
      undefined,
      'Bearer not-the-metrics-token-at-all',
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
    ]) {
      const response = await t.request({
        method: 'GET',
        url: '/metrics',
        headers: authorization ? { authorization } : {},
      });
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(response.body).not.toContain('accord_');
    }
    // An API key (even the admin's) is not the metrics token.
    expect((await t.request({ method: 'GET', url: '/metrics', key: ADMIN_KEY })).statusCode).toBe(401);
    const exposition = await scrape();
    expect(exposition.types.get('accord_commands_total')).toBe('counter');
    expect(exposition.types.get('accord_http_request_duration_seconds')).toBe('histogram');
    expect(exposition.types.get('accord_append_duration_seconds')).toBe('histogram');
  });

  it('counts commands by type and outcome: acknowledged, refused, conflict, idempotent replay', async () => {
    const before = await scrape();
    const count = (e: Exposition, type: string, outcome: string, code: string) =>
      valueOf(e, 'accord_commands_total', { type, outcome, code });

    const key = randomUUID();
    const proposed = await t.post('/commitments', proposal(), ma, { 'idempotency-key': key });
    expect(proposed.statusCode).toBe(201);
    const id = proposed.json().id;
    // The same request again: the first answer, replayed.
    const replayed = await t.post('/commitments', proposal(), ma, { 'idempotency-key': key });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    // A proposed commitment cannot be started before the committee approves it: refused by the decider.
    const refused = await t.post(`/commitments/${id}/start`, {}, ma);
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    expect(refused.statusCode).toBeLessThan(500);
    const refusedCode = refused.json().code as string;
    // If-Match names a revision the stream is not at: 412, a conflict.
    const conflict = await t.post(`/commitments/${id}/revise`, { title: 'Joint unit' }, ma, { 'if-match': '"7"' });
    expect(conflict.statusCode).toBe(412);
    expect(conflict.json().code).toBe('WRONG_EXPECTED_REVISION');
    const revised = await t.post(`/commitments/${id}/revise`, { title: 'Joint unit' }, ma, { 'if-match': '"0"' });
    expect(revised.statusCode).toBe(200);

    const after = await scrape();
    const moved = (type: string, outcome: string, code = 'none') =>
      count(after, type, outcome, code) - count(before, type, outcome, code);
    expect(moved('ProposeCommitment', 'acknowledged')).toBe(1);
    expect(moved('ProposeCommitment', 'idempotent_replay')).toBe(1);
    expect(moved('StartCommitment', 'refused', refusedCode)).toBe(1);
    expect(moved('ReviseCommitment', 'conflict', 'WRONG_EXPECTED_REVISION')).toBe(1);
    expect(moved('ReviseCommitment', 'acknowledged')).toBe(1);

    // Request durations by route pattern and status, never by the URL with its ids.
    const durations = after.samples.filter((s) => s.name === 'accord_http_request_duration_seconds_count');
    expect(durations.every((s) => !UUID.test(s.labels.route))).toBe(true);
    const requests = (route: string, status: string, e = after) =>
      valueOf(e, 'accord_http_request_duration_seconds_count', { method: 'POST', route, status });
    expect(requests('/commitments/:id/revise', '412') - requests('/commitments/:id/revise', '412', before)).toBe(1);
    expect(requests('/commitments', '201') - requests('/commitments', '201', before)).toBe(2);

    // Appends timed per store kind: the proposal and the revision at least.
    const kind = POSTGRES ? 'postgres' : 'sqlite';
    const appends = (e: Exposition) => valueOf(e, 'accord_append_duration_seconds_count', { store: kind });
    expect(appends(after) - appends(before)).toBeGreaterThanOrEqual(2);
    // The adapter's group commits: as many appends as written, in at most as many commits.
    const commits = valueOf(after, 'accord_store_commits_total', { store: kind });
    const written = valueOf(after, 'accord_store_appends_total', { store: kind });
    expect(commits).toBeGreaterThan(0);
    expect(written).toBeGreaterThanOrEqual(commits);
  });

  it('reports each read model lag, the process manager lag, and the event loop and GC', async () => {
    // Once the commitments read model has passed the last write, its lag is 0.
    const proposed = await t.post('/commitments', proposal(), ma);
    expect(proposed.statusCode).toBe(201);
    const position = proposed.json().position as number;
    const read = await t.request({
      method: 'GET',
      url: `/commitments/${proposed.json().id}?after=${position}`,
      key: ma,
    });
    expect(read.statusCode).toBe(200);
    const exposition = await scrape();
    const lags = exposition.samples.filter((s) => s.name === 'accord_read_model_lag');
    expect(lags.map((s) => s.labels.projection)).toEqual(expect.arrayContaining(['commitments']));
    expect(lags.every((s) => Number.isInteger(s.value) && s.value >= 0)).toBe(true);
    expect(valueOf(exposition, 'accord_read_model_lag', { projection: 'commitments' })).toBe(0);
    const pm = exposition.samples.find((s) => s.name === 'accord_process_manager_lag');
    expect(pm?.value).toBeGreaterThanOrEqual(0);
    expect(exposition.types.get('accord_nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
    expect(exposition.types.has('accord_nodejs_gc_duration_seconds')).toBe(true);
    expect(exposition.types.get('accord_process_cpu_user_seconds_total')).toBe('counter');
  });
});

describe(`metrics on a port of their own, and off (real app, ${STORE})`, () => {
  it('serves GET /metrics on ACCORD_METRICS_PORT without authentication, and nothing else there', async () => {
    const t = await startApp({ metricsPort: 0 });
    try {
      const port = t.app.get(MetricsPortServer).port;
      expect(port).toBeGreaterThan(0);
      const secretariat = await t.createKey('secretariat');
      expect((await t.post('/agreements', MOROCCO_QATAR, secretariat)).statusCode).toBe(201);
      const answer = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(answer.status).toBe(200);
      const exposition = parseExposition(await answer.text());
      expect(
        valueOf(exposition, 'accord_commands_total', {
          type: 'RegisterAgreement',
          outcome: 'acknowledged',
          code: 'none',
        }),
      ).toBe(1);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(404);
      // Not on the API's port: no token was configured there.
      expect((await t.request({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('answers 404 at /metrics when neither a token nor a port is configured', async () => {
    const t = await startApp();
    try {
      const response = await t.request({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('NOT_FOUND');
      expect(t.app.get(MetricsPortServer).port).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
