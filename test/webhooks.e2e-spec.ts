import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_PG_URL } from '@accord/event-store-postgres/testing/postgres-test-database';
import { Webhook } from 'standardwebhooks';
import { createApp } from '../apps/api/src/create-app';
import { readApiConfig } from '../apps/api/src/infrastructure/api-config';
import type { RecordedEvent } from '@accord/event-store';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';
import { Receiver, type Receipt } from './support/webhooks-receiver';

/** Delivery settings of the in-process apps (read from the environment: test-app builds its config by hand). */
const SETTINGS = {
  ACCORD_WEBHOOK_ALLOW_PRIVATE: '1',
  ACCORD_WEBHOOK_RETRY_BASE_MS: '5',
  ACCORD_WEBHOOK_RETRY_CAP_MS: '40',
  ACCORD_WEBHOOK_TIMEOUT_MS: '300',
  ACCORD_WEBHOOK_MAX_ATTEMPTS: '4',
};

async function withEnv<T>(env: Record<string, string | undefined>, start: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  try {
    return await start();
  } finally {
    for (const [k, v] of Object.entries(before))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('webhook subscriptions', () => {
  let t: TestApp;
  let receiver: Receiver;
  let secretariat: string;
  let ma: string;
  let qa: string;

  beforeAll(async () => {
    t = await withEnv(SETTINGS, () => startTestApp());
    receiver = await new Receiver().start();
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    qa = await t.createKey('integration', 'QA');
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const subscribe = async (body: Record<string, unknown>, key = ADMIN_KEY) => {
    const response = await t.post('/subscriptions', body, key);
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; secret: string; checkpoint: number };
  };
  const status = async (id: string, key = ADMIN_KEY) => {
    const response = await t.request({ method: 'GET', url: `/subscriptions/${id}`, key });
    expect(response.statusCode).toBe(200);
    return response.json() as { state: string; checkpoint: number; lag: number; lastError: string | null };
  };
  /** Waits, on the API, until the subscription satisfies `done`. */
  const until = async (id: string, done: (s: Awaited<ReturnType<typeof status>>) => boolean) => {
    for (let i = 0; i < 1_500; i++) {
      const s = await status(id);
      if (done(s)) return s;
      await pause();
    }
    throw new Error(`subscription ${id} never got there: ${JSON.stringify(await status(id))}`);
  };
  const agreement = async (parties = MOROCCO_QATAR.parties) => {
    const response = await t.post('/agreements', { ...MOROCCO_QATAR, parties }, secretariat);
    expect(response.statusCode).toBe(201);
    return response.json().id as string;
  };
  const commitment = async (agreementId: string, key: string, agency: string) => {
    const response = await t.post(
      '/commitments',
      { agreementId, title: 'Joint training', description: 'd', domain: 'cybercrime', leadAgencies: [agency] },
      key,
    );
    expect(response.statusCode).toBe(201);
    return response.json().id as string;
  };
  const headPosition = async () => (await t.log()).at(-1)?.position ?? 0;
  const verified = (receipts: readonly Receipt[], secret: string) => {
    const webhook = new Webhook(secret);
    for (const r of receipts) {
      expect(r.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
      expect(() =>
        webhook.verify(r.body, {
          'webhook-id': String(r.headers['webhook-id']),
          'webhook-timestamp': String(r.headers['webhook-timestamp']),
          'webhook-signature': String(r.headers['webhook-signature']),
        }),
      ).not.toThrow();
    }
  };

  it('delivers every event in order through 500s and a hang, parks after N failures, and delivers all once resumed', async () => {
    receiver.script = [500, 500, 'hang', 'hang'];
    const sub = await subscribe({ url: `${receiver.url}/all`, filter: {} });
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const from = sub.checkpoint;
    const agreementId = await agreement();
    await commitment(agreementId, ma, 'DGSN');
    await commitment(agreementId, qa, 'State Security');

    const parked = await until(sub.id, (s) => s.state === 'parked');
    expect(parked.lastError).toMatch(/no answer within 300 ms/);
    expect(parked.checkpoint).toBe(from);
    const attempts = (
      await t.request({ method: 'GET', url: `/subscriptions/${sub.id}/deliveries`, key: ADMIN_KEY })
    ).json().items as {
      attempt: number;
      statusCode: number | null;
      webhookId: string;
      position: number;
      error: string;
    }[];
    expect(attempts.map((a) => a.attempt)).toEqual([4, 3, 2, 1]);
    expect(attempts.map((a) => a.statusCode)).toEqual([null, null, 500, 500]);
    expect(new Set(attempts.map((a) => a.webhookId)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.position)).size).toBe(1);

    const resumed = await t.post(`/subscriptions/${sub.id}/resume`, {}, ADMIN_KEY);
    expect(resumed.statusCode).toBe(200);
    const head = await headPosition();
    await until(sub.id, (s) => s.checkpoint >= head && s.lag === 0);

    const expected = (await t.log()).filter((e) => e.position > from);
    const mine = receiver.receipts.filter((r) => r.path === '/all');
    // Retries repeat an event, never go back: positions never decrease.
    expect(mine.map((r) => r.position)).toEqual([...mine.map((r) => r.position)].sort((a, b) => a - b));
    expect(receiver.delivered('/all').map((r) => r.eventId)).toEqual(expected.map((e) => e.id));
    verified(mine, sub.secret);
    const first = JSON.parse(mine[0].body);
    expect(first).toMatchObject({ specversion: '1.0', id: expected[0].id, type: `dev.accord.${expected[0].type}.v1` });
    // Every attempt at one event carries the same webhook-id.
    const ids = new Map<string, Set<string>>();
    for (const r of mine) ids.set(r.eventId, (ids.get(r.eventId) ?? new Set()).add(String(r.headers['webhook-id'])));
    expect([...ids.values()].every((set) => set.size === 1)).toBe(true);

    // Replay: the same events again, with the same webhook-ids.
    const before = mine.length;
    expect(
      (await t.post(`/subscriptions/${sub.id}/replay`, { from: expected[0].position }, ADMIN_KEY)).statusCode,
    ).toBe(200);
    await until(sub.id, (s) => s.checkpoint >= head);
    const again = receiver.receipts.filter((r) => r.path === '/all').slice(before);
    expect(again.map((r) => r.eventId)).toEqual(expected.map((e) => e.id));
    expect(again.map((r) => r.headers['webhook-id'])).toEqual(
      receiver.delivered('/all').map((r) => r.headers['webhook-id']),
    );
  });

  it('sends only what the filter asks for: types, agreement, and an integration its own party', async () => {
    const byType = await subscribe({ url: `${receiver.url}/types`, filter: { types: ['CommitmentProposed'] } });
    const a = await agreement();
    const b = await agreement([
      { code: 'MA', name: 'Kingdom of Morocco', agencies: ['DGSN'] },
      { code: 'TN', name: 'Republic of Tunisia', agencies: ['Garde nationale'] },
    ]);
    const byAgreement = await subscribe({
      url: `${receiver.url}/b`,
      filter: { agreementId: b.toUpperCase() },
      from: 'start',
    });
    const byParty = await subscribe({ url: `${receiver.url}/qa`, filter: {}, from: 'start' }, qa);
    expect((await status(byParty.id, qa)) as unknown).toMatchObject({ filter: { party: 'QA' }, ownerParty: 'QA' });
    const maOnA = await commitment(a, ma, 'DGSN');
    const qaOnA = await commitment(a, qa, 'State Security');
    const maOnB = await commitment(b, ma, 'DGSN');
    const head = await headPosition();
    for (const sub of [byType, byAgreement, byParty]) await until(sub.id, (s) => s.checkpoint >= head);

    const log = await t.log();
    const ids = (match: (e: RecordedEvent) => boolean, after = 0) =>
      log.filter((e) => e.position > after && match(e)).map((e) => e.id);
    expect(receiver.delivered('/types').map((r) => r.eventId)).toEqual(
      ids((e) => e.type === 'CommitmentProposed', byType.checkpoint),
    );
    expect(receiver.delivered('/types')).toHaveLength(3);
    expect(receiver.delivered('/b').map((r) => r.eventId)).toEqual(
      ids((e) => e.streamId === `agreement-${b}` || e.streamId === `commitment-${maOnB}`),
    );
    // QA is party to every agreement but b; of the commitments, only its own.
    const proposedByQa = new Set(
      log
        .filter(
          (e) => e.type === 'CommitmentProposed' && (e.data as { proposingParty?: string }).proposingParty === 'QA',
        )
        .map((e) => e.streamId),
    );
    expect(proposedByQa).toContain(`commitment-${qaOnA}`);
    const qaStreams = (e: RecordedEvent) =>
      (e.streamId.startsWith('agreement-') && e.streamId !== `agreement-${b}`) || proposedByQa.has(e.streamId);
    expect(receiver.delivered('/qa').map((r) => r.eventId)).toEqual(ids(qaStreams));
    expect(
      receiver.delivered('/qa').some((r) => r.eventId === ids((e) => e.streamId === `commitment-${maOnA}`)[0]),
    ).toBe(false);
    verified(
      receiver.receipts.filter((r) => r.path === '/qa'),
      byParty.secret,
    );
  });

  it('keeps integrations to their own party and refuses bad input with a problem', async () => {
    const other = await t.post('/subscriptions', { url: `${receiver.url}/x`, filter: { party: 'MA' } }, qa);
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('FORBIDDEN');
    expect((await t.post('/subscriptions', { url: `${receiver.url}/x`, filter: {} }, secretariat)).statusCode).toBe(
      403,
    );

    const mine = await subscribe({ url: `${receiver.url}/ma`, filter: { party: 'MA' } }, ma);
    const listed = (await t.request({ method: 'GET', url: '/subscriptions', key: ma })).json().items as {
      id: string;
    }[];
    expect(listed.map((s) => s.id)).toEqual([mine.id]);
    const all = (await t.request({ method: 'GET', url: '/subscriptions', key: ADMIN_KEY })).json().items as unknown[];
    expect(all.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(all)).not.toMatch(/whsec_/); // the secret is never shown again
    expect((await t.request({ method: 'GET', url: `/subscriptions/${mine.id}`, key: qa })).statusCode).toBe(404);
    expect((await t.post(`/subscriptions/${mine.id}/pause`, {}, qa)).statusCode).toBe(404);
    expect((await t.request({ method: 'DELETE', url: `/subscriptions/${mine.id}`, key: qa })).statusCode).toBe(404);

    const bad = [
      [{ url: 'ftp://example.org/x', filter: {} }, 'WEBHOOK_TARGET_REFUSED'],
      [{ url: 'http://user:pw@127.0.0.1/x', filter: {} }, 'WEBHOOK_TARGET_REFUSED'],
      [{ url: `${receiver.url}/x`, filter: {}, from: 'later' }, 'VALIDATION_FAILED'],
      [{ url: `${receiver.url}/x`, filter: {}, from: -1 }, 'VALIDATION_FAILED'],
      [{ url: `${receiver.url}/x`, filter: {}, secret: 'hunter2' }, 'VALIDATION_FAILED'],
      [{ url: `${receiver.url}/x`, filter: { category: 'meeting' } }, 'VALIDATION_FAILED'],
      [{ url: `${receiver.url}/x`, filter: { agreementId: 'nope' } }, 'VALIDATION_FAILED'],
      [{ url: `${receiver.url}/x` }, 'VALIDATION_FAILED'],
    ] as const;
    for (const [body, code] of bad) {
      const response = await t.post('/subscriptions', body, ADMIN_KEY);
      expect([response.statusCode, response.json().code]).toEqual([400, code]);
    }
    expect((await t.post(`/subscriptions/${mine.id}/replay`, { from: 'x' }, ma)).statusCode).toBe(400);
    expect((await t.request({ method: 'GET', url: '/subscriptions/not-a-uuid', key: ma })).statusCode).toBe(400);
    expect((await t.request({ method: 'GET', url: '/subscriptions', key: ma })).json().items).toHaveLength(1);

    // A secret of one's own signs the deliveries; pause keeps the checkpoint, delete forgets it.
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const own = await subscribe({ url: `${receiver.url}/own`, filter: {}, secret }, ma);
    expect(own.secret).toBe(secret);
    expect((await t.post(`/subscriptions/${own.id}/pause`, {}, ma)).json().state).toBe('paused');
    expect((await t.request({ method: 'DELETE', url: `/subscriptions/${own.id}`, key: ma })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: `/subscriptions/${own.id}`, key: ma })).statusCode).toBe(404);
  });
});

describe('webhook targets on private addresses', () => {
  it('are refused without ACCORD_WEBHOOK_ALLOW_PRIVATE, and nothing is stored', async () => {
    const t = await withEnv({ ...SETTINGS, ACCORD_WEBHOOK_ALLOW_PRIVATE: undefined }, () => startTestApp());
    try {
      for (const url of [
        'http://127.0.0.1:9/x',
        'http://localhost:9/x',
        'http://10.1.2.3/x',
        'http://192.168.0.10/x',
        'http://169.254.169.254/latest/meta-data',
        'http://100.64.0.1/x',
        'http://0.0.0.0/x',
        'http://[::1]/x',
        'http://[::ffff:127.0.0.1]/x',
        'http://[fd00::1]/x',
        'http://[fe80::1]/x',
        'https://224.0.0.1/x',
      ]) {
        const response = await t.post('/subscriptions', { url, filter: {} }, ADMIN_KEY);
        expect([url, response.statusCode, response.json().code]).toEqual([url, 400, 'WEBHOOK_TARGET_REFUSED']);
      }
      expect((await t.request({ method: 'GET', url: '/subscriptions', key: ADMIN_KEY })).json().items).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('webhook metrics', () => {
  it('count failures and report the backlog and the parked subscriptions at /metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-webhook-metrics-'));
    const storeUrl =
      process.env.ACCORD_TEST_STORE === 'postgres'
        ? `${TEST_PG_URL}?schema=accord_e2e_${process.env.ACCORD_TEST_RUN ?? 'local'}_${randomBytes(6).toString('hex')}`
        : `sqlite:${join(dir, 'accord.db')}`;
    // The configuration as readApiConfig makes it, webhook settings included (not from process.env here).
    const config = readApiConfig({
      ACCORD_STORE: storeUrl,
      ACCORD_ADMIN_KEY: ADMIN_KEY,
      LOG_LEVEL: 'silent',
      ACCORD_METRICS_TOKEN: 'metrics-token-0123456789abcdef',
      ACCORD_WEBHOOK_ALLOW_PRIVATE: '1',
      ACCORD_WEBHOOK_RETRY_BASE_MS: '5',
      ACCORD_WEBHOOK_RETRY_CAP_MS: '20',
      ACCORD_WEBHOOK_MAX_ATTEMPTS: '2',
    });
    const app = await createApp(config, { logger: false });
    await app.init();
    const fastify = app.getHttpAdapter().getInstance();
    await fastify.ready();
    const receiver = await new Receiver().start();
    receiver.then = 503;
    try {
      const inject = (method: 'GET' | 'POST', url: string, payload?: unknown, key = ADMIN_KEY) =>
        fastify.inject({ method, url, payload: payload as never, headers: { authorization: `Bearer ${key}` } });
      const sub = (await inject('POST', '/subscriptions', { url: `${receiver.url}/m`, filter: {} })).json();
      const secretariat = (await inject('POST', '/admin/keys', { name: 's', role: 'secretariat' })).json().key;
      expect((await inject('POST', '/agreements', MOROCCO_QATAR, secretariat)).statusCode).toBe(201);
      for (let i = 0; i < 1_500; i++) {
        if ((await inject('GET', `/subscriptions/${sub.id}`)).json().state === 'parked') break;
        await pause();
      }
      const text = (await inject('GET', '/metrics', undefined, 'metrics-token-0123456789abcdef')).body;
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(value('accord_webhook_parked')).toBe(1);
      expect(value('accord_webhook_failures_total')).toBe(2);
      expect(value('accord_webhook_backlog')).toBe(1);
      expect(text).toMatch(/^# TYPE accord_webhook_failures_total counter$/m);
    } finally {
      await app.close();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
