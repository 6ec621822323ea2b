import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@accord/event-store';
import { until } from '@accord/event-store/conformance/event-store.conformance';
import { Workers } from '../apps/api/src/workers/workers.module';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

interface Item {
  name: string;
  checkpoint: number;
  state: string;
  failure: { position: number; eventId: string; type: string; error: string; since: string } | null;
  skips: { position: number; eventId: string; type: string; reason: string; by: string; at: string }[];
}

/**
 * A read model that fails on an event (one appended straight to the store, which no command
 * makes) stops just before it, and says so: /projections and /health (degraded, still 200) on
 * every instance; the other read models and the commands go on; a recorded skip lets it resume.
 */
describe('a read model that fails on an event', () => {
  let t: TestApp;
  let web: TestApp | undefined;
  let secretariat: string;
  let ma: string;
  let agreementId: string;

  beforeAll(async () => {
    t = await startTestApp();
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    agreementId = (await t.post('/agreements', MOROCCO_QATAR, secretariat)).json().id;
  });
  afterAll(async () => {
    await web?.close();
    await t.close();
  });

  const get = (app: TestApp, url: string, key?: string) => app.request({ method: 'GET', url, key });
  const items = async (app: TestApp): Promise<Item[]> => (await get(app, '/projections', ADMIN_KEY)).json().items;
  const item = async (app: TestApp, name: string): Promise<Item> => (await items(app)).find((i) => i.name === name)!;
  const propose = async (title: string) => {
    const response = await t.post(
      '/commitments',
      { agreementId, title, description: 'd', domain: 'cybercrime', leadAgencies: ['DGSN'] },
      ma,
    );
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; position: number };
  };
  /** The position of the event before `position` in the log: where a read model failing on it stops. */
  const before = async (position: number) => {
    const log = await t.log();
    return log[log.findIndex((e) => e.position === position) - 1].position;
  };

  it('reports it in /projections and /health on every instance, the others go on, and a recorded skip resumes it', async () => {
    expect((await get(t, '/health')).json()).toMatchObject({ status: 'ok', info: { readModels: { failed: [] } } });

    // An amendment of an agreement that was never registered: the agreements read model cannot apply it.
    const stray = randomUUID();
    const { position } = await t.store.append(`agreement-${stray}`, [
      { id: randomUUID(), type: 'AgreementDomainsAmended', data: { agreementId: stray, domains: ['cybercrime'] } },
    ]);
    const [poison] = await t.store.readAll({ after: position - 1, maxCount: 1 });

    // Commands still work, and the read models that can take the events follow them.
    const proposed = await propose('after the stray event');
    expect((await get(t, `/commitments/${proposed.id}?after=${proposed.position}`, secretariat)).statusCode).toBe(200);

    await until(async () => (await item(t, 'agreements')).state === 'failed', 'agreements to fail');
    const failure = {
      position,
      eventId: poison.id,
      type: 'AgreementDomainsAmended',
      error: 'AgreementDomainsAmended cannot apply to an unregistered agreement',
      since: expect.any(String),
    };
    expect(await item(t, 'agreements')).toMatchObject({
      state: 'failed',
      checkpoint: await before(position),
      failure,
      skips: [],
    });
    for (const other of (await items(t)).filter((i) => i.name !== 'agreements')) {
      expect(other).toMatchObject({ state: 'live', failure: null });
      expect(other.checkpoint).toBeGreaterThanOrEqual(proposed.position);
    }
    // Reading it past the event waits, then says to retry (it serves what it had before it).
    const waited = await get(t, `/agreements/${agreementId}/dashboard?after=${proposed.position}`, secretariat);
    expect(waited.statusCode).toBe(503);
    expect(waited.headers['retry-after']).toBe('1');
    expect((await get(t, `/agreements/${agreementId}/dashboard`, secretariat)).statusCode).toBe(200);

    // /health: still 200 (commands and the other read models work on every instance), but degraded.
    const health = await get(t, '/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'degraded',
      info: {
        store: { status: 'up' },
        readModels: { status: 'up', failed: [{ name: 'agreements', of: 'live', ...failure }] },
      },
    });

    // An instance that runs no workers reads the same state from the database.
    web = await startTestApp({ storeUrl: t.storeUrl, workers: false });
    expect((await get(web, '/health')).json()).toMatchObject({ status: 'degraded' });
    expect(await item(web, 'agreements')).toMatchObject({ state: 'failed', failure });

    // The recorded skip: admin only, on the event it failed on only.
    const skip = (body: unknown, key = ADMIN_KEY) => t.post('/admin/projections/agreements/skip', body, key);
    expect((await skip({ position, reason: 'x' }, secretariat)).statusCode).toBe(403);
    expect((await skip({ position: proposed.position, reason: 'x' })).json()).toMatchObject({
      status: 409,
      code: 'CONFLICT',
    });
    expect((await t.post('/admin/projections/nope/skip', { position, reason: 'x' }, ADMIN_KEY)).statusCode).toBe(404);
    expect((await skip({ position })).statusCode).toBe(400);
    const skipped = await skip({ position, reason: 'a stray event appended by hand' });
    expect(skipped.statusCode).toBe(200);
    expect(skipped.json()).toEqual({
      projection: 'agreements',
      position,
      eventId: poison.id,
      type: 'AgreementDomainsAmended',
      reason: 'a stray event appended by hand',
      by: expect.stringContaining('admin'),
      at: expect.any(String),
    });

    // It resumes past it, on record.
    expect(
      (await get(t, `/agreements/${agreementId}/dashboard?after=${proposed.position}`, secretariat)).statusCode,
    ).toBe(200);
    const resumed = await item(web, 'agreements');
    expect(resumed).toMatchObject({
      state: 'live',
      failure: null,
      skips: [{ position, reason: skipped.json().reason }],
    });
    expect(resumed.checkpoint).toBeGreaterThanOrEqual(proposed.position);
    for (const app of [t, web]) {
      expect((await get(app, '/health')).json()).toMatchObject({ status: 'ok', info: { readModels: { failed: [] } } });
    }
  });

  (process.env.ACCORD_TEST_STORE === 'postgres' ? it : it.skip)(
    'on PostgreSQL, reports a text the read models cannot hold (a NUL appended straight to the store)',
    async () => {
      const model = (await t.log()).find((e) => e.type === 'CommitmentProposed') as RecordedEvent<
        Record<string, unknown>
      >;
      const id = randomUUID();
      const { position } = await t.store.append(`commitment-${id}`, [
        {
          id: randomUUID(),
          type: 'CommitmentProposed',
          data: { ...model.data, commitmentId: id, title: 'NUL \u0000 inside' },
          metadata: model.metadata,
        },
      ]);
      const next = await propose('after the NUL');

      const error = 'invalid byte sequence for encoding "UTF8": 0x00';
      for (const name of ['commitments', 'commitment-history']) {
        await until(async () => (await item(t, name)).state === 'failed', `${name} to fail`);
        expect(await item(t, name)).toMatchObject({
          checkpoint: await before(position),
          failure: { position, type: 'CommitmentProposed', error: expect.stringContaining(error) },
        });
      }
      const workers = t.app.get(Workers);
      for (const name of ['agreements', 'sessions'])
        expect(await workers.projections.waitFor(name, next.position)).toBe(true);
      expect((await get(t, '/health')).json()).toMatchObject({
        status: 'degraded',
        info: { readModels: { failed: [{ name: 'commitments' }, { name: 'commitment-history' }] } },
      });

      for (const name of ['commitments', 'commitment-history']) {
        const skipped = await t.post(`/admin/projections/${name}/skip`, { position, reason: 'NUL' }, ADMIN_KEY);
        expect(skipped.statusCode).toBe(200);
      }
      expect((await get(t, `/commitments/${next.id}?after=${next.position}`, secretariat)).statusCode).toBe(200);
      expect((await get(t, `/commitments/${id}`, secretariat)).statusCode).toBe(404); // skipped
      // ?after= waited for commitments only: health is ok once commitment-history is past the event too.
      expect(await workers.projections.waitFor('commitment-history', next.position)).toBe(true);
      expect((await get(t, '/health')).json()).toMatchObject({ status: 'ok' });
    },
  );
});
