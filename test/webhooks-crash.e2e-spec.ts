import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_PG_URL } from '@accord/event-store-postgres/testing/postgres-test-database';
import { Webhook } from 'standardwebhooks';
import { type ApiProcess, startApi } from './support/api-process';
import { Receiver } from './support/webhooks-receiver';

const ADMIN = 'webhook-crash-admin-key-0123456789';
/** Short retries and a short lease, so that a restarted instance takes over quickly. */
const DELIVERY = {
  ACCORD_ADMIN_KEY: ADMIN,
  ACCORD_WEBHOOK_ALLOW_PRIVATE: '1',
  ACCORD_WEBHOOK_RETRY_BASE_MS: '5',
  ACCORD_WEBHOOK_RETRY_CAP_MS: '50',
  ACCORD_WEBHOOK_LEASE_MS: '1000',
};

const storeFor = (dir: string) =>
  process.env.ACCORD_TEST_STORE === 'postgres'
    ? `${TEST_PG_URL}?schema=accord_e2e_${process.env.ACCORD_TEST_RUN ?? 'local'}_${randomBytes(6).toString('hex')}`
    : `sqlite:${join(dir, 'accord.db')}`;

function client(api: ApiProcess) {
  return async (path: string, body?: unknown, key = ADMIN, method = body === undefined ? 'GET' : 'POST') => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** An agreement and `count` commitments, through `api`: about 1 + count events. */
async function workload(api: ApiProcess, count: number): Promise<void> {
  const call = client(api);
  const secretariat = (await call('/admin/keys', { name: 's', role: 'secretariat' })).key as string;
  const ma = (await call('/admin/keys', { name: 'ma', role: 'integration', party: 'MA' })).key as string;
  const agreement = await call(
    '/agreements',
    {
      title: 'Morocco-Qatar security cooperation',
      signedAt: '2014-03-11',
      signedIn: 'Rabat',
      parties: [
        { code: 'MA', name: 'Morocco', agencies: ['DGSN'] },
        { code: 'QA', name: 'Qatar', agencies: ['Ministry of Interior'] },
      ],
      domains: ['cybercrime'],
    },
    secretariat,
  );
  for (let i = 0; i < count; i++) {
    await call(
      '/commitments',
      { agreementId: agreement.id, title: `C${i}`, description: 'd', domain: 'cybercrime', leadAgencies: ['DGSN'] },
      ma,
    );
  }
}

/** Waits, on the API, until the subscription's checkpoint reaches the end of the log. */
async function caughtUp(api: ApiProcess, id: string): Promise<void> {
  for (let i = 0; i < 3_000; i++) {
    const sub = await client(api)(`/subscriptions/${id}`);
    if (sub.lag === 0 && sub.state === 'active') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`subscription ${id} did not catch up`);
}

describe('webhook delivery across processes', () => {
  let dir: string;
  let receiver: Receiver;
  const running: ApiProcess[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-webhooks-'));
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    for (const api of running.splice(0)) await api.stop('SIGKILL');
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (env: Record<string, string>) => {
    const api = await startApi({ ...DELIVERY, ...env }, dir);
    running.push(api);
    return api;
  };

  /** `events` events delivered: in order of first delivery, duplicates with the first's webhook-id. */
  function expectAllDelivered(events: number, secret: string, duplicates: 'allowed' | 'none') {
    const firsts = receiver.delivered();
    const positions = firsts.map((r) => r.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
    expect(firsts).toHaveLength(events);
    expect(new Set(firsts.map((r) => r.eventId)).size).toBe(events);
    const idOf = new Map(firsts.map((r) => [r.eventId, r.headers['webhook-id']]));
    for (const r of receiver.receipts) expect(r.headers['webhook-id']).toBe(idOf.get(r.eventId));
    if (duplicates === 'none') expect(receiver.receipts).toHaveLength(firsts.length);
    const webhook = new Webhook(secret);
    for (const r of receiver.receipts) {
      webhook.verify(r.body, {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      });
    }
    return firsts;
  }

  it('loses nothing and keeps the order when the delivering instance is SIGKILLed mid-delivery', async () => {
    const store = storeFor(dir);
    receiver.delayMs = 15; // slow enough that the kill lands with a delivery in flight
    const first = await start({ ACCORD_STORE: store });
    const sub = await client(first)('/subscriptions', { url: `${receiver.url}/hook`, filter: {}, from: 'start' });
    await workload(first, 30);
    while (receiver.receipts.length < 8) await fetch(`${first.url}/health`);
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    const before = receiver.receipts.length;

    const second = await start({ ACCORD_STORE: store });
    await caughtUp(second, sub.id as string);
    expect(receiver.receipts.length).toBeGreaterThan(before);
    // The agreement and its 30 commitments: 31 events, each delivered (some twice, with the same webhook-id).
    const delivered = expectAllDelivered(31, sub.secret as string, 'allowed');
    const head = Number((await client(second)(`/subscriptions/${sub.id}`)).checkpoint);
    expect(delivered.at(-1)!.position).toBe(head);
  });

  it('delivers from exactly one instance: not from ACCORD_WORKERS=off, and one lease holder among two with workers on', async () => {
    const store = storeFor(dir);
    const workers = await start({ ACCORD_STORE: store });
    const httpOnly = await start({ ACCORD_STORE: store, ACCORD_WORKERS: 'off' });
    const sub = await client(httpOnly)('/subscriptions', { url: `${receiver.url}/hook`, filter: {}, from: 'start' });
    await workload(httpOnly, 10);
    // A second instance with the workers on: it must wait for the lease, not deliver beside the first.
    const another = await start({ ACCORD_STORE: store });
    await workload(another, 10);
    await caughtUp(httpOnly, sub.id as string);
    expectAllDelivered(22, sub.secret as string, 'none');
    expect(
      workers.lines.concat(another.lines).filter((l) => l.includes('this instance delivers webhooks')),
    ).toHaveLength(1);
    expect(httpOnly.lines.some((l) => l.includes('this instance delivers webhooks'))).toBe(false);
  });
});
