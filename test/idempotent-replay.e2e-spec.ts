import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

const STORE = process.env.ACCORD_TEST_STORE === 'postgres' ? 'PostgreSQL' : 'SQLite';

/** What a replay must repeat: the status, the body's bytes, and the headers that carry meaning. */
function answerOf(response: LightMyRequestResponse) {
  return {
    status: response.statusCode,
    body: response.body,
    contentType: response.headers['content-type'],
    etag: response.headers.etag,
    location: response.headers.location,
  };
}

/**
 * A retry with the same Idempotency-Key and body gets the first answer, byte for byte
 * (README "Retries are safe", decision 0015): the status, the body as sent (a problem's
 * `instance` included), Content-Type, ETag and Location, on the instance that answered
 * first, on another instance on the same database, and after both restarted. Only
 * `Idempotent-Replayed: true` is added, and X-Correlation-Id is the replay's own.
 */
describe(`replayed answers are the first answer (real app, ${STORE})`, () => {
  let dir: string;
  let first: TestApp;
  let second: TestApp;
  let restarted: TestApp;
  let ma: string;
  let agreementId: string;

  /** One request, then its replay on each instance: the first answer and the three replays. */
  const replays: Record<string, { first: LightMyRequestResponse; again: LightMyRequestResponse[] }> = {};
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
    dir = mkdtempSync(join(tmpdir(), 'accord-replay-'));
    first = await startTestApp({ dir });
    second = await startTestApp({ dir, workers: false });
    const secretariat = await first.createKey('secretariat');
    ma = await first.createKey('integration', 'MA');
    const registered = await first.post('/agreements', MOROCCO_QATAR, secretariat);
    expect(registered.statusCode).toBe(201);
    agreementId = registered.json().id;

    // Three first answers, each with its key: a creation (201 with Location), a command on
    // it (200 with ETag), and a refusal (422 problem), each then replayed on both instances.
    const created = randomUUID();
    const proposeRequest = (t: TestApp) => t.post('/commitments', proposal(), ma, { 'idempotency-key': created });
    replays.created = { first: await proposeRequest(first), again: [] };
    const id = replays.created.first.json().id;
    const revised = randomUUID();
    const reviseRequest = (t: TestApp) =>
      t.post(`/commitments/${id}/revise`, { title: 'Joint unit' }, ma, { 'idempotency-key': revised });
    replays.revised = { first: await reviseRequest(first), again: [] };
    const refused = randomUUID();
    // The replays name the commitment in upper case and add a query: the same request, so
    // the problem they get names the first request's URL as its `instance`.
    const startRequest = (t: TestApp, url = `/commitments/${id}/start`) =>
      t.post(url, {}, ma, { 'idempotency-key': refused });
    replays.refused = { first: await startRequest(first), again: [] };
    const startAgain = (t: TestApp) => startRequest(t, `/commitments/${id.toUpperCase()}/start?retry=1`);

    for (const t of [first, second]) {
      replays.created.again.push(await proposeRequest(t));
      replays.revised.again.push(await reviseRequest(t));
      replays.refused.again.push(await startAgain(t));
    }
    await second.close();
    await first.close();
    restarted = await startTestApp({ dir });
    replays.created.again.push(await proposeRequest(restarted));
    replays.revised.again.push(await reviseRequest(restarted));
    replays.refused.again.push(await startAgain(restarted));
  });
  afterAll(async () => {
    await restarted?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const where = ['the same instance', 'another instance on the same database', 'a restarted instance'];

  it('answers a creation 201 with Location, ETag and a body, once', () => {
    const { first: answer } = replays.created;
    expect(answer.statusCode).toBe(201);
    expect(answer.headers.location).toBe(`/commitments/${answer.json().id}`);
    expect(answer.headers.etag).toBe('"0"');
    expect(answer.headers['idempotent-replayed']).toBeUndefined();
  });

  it.each(where.map((on, i) => [on, i]))('replays the creation byte for byte on %s', (_on, i) => {
    const again = replays.created.again[i as number];
    expect(answerOf(again)).toEqual(answerOf(replays.created.first));
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it.each(where.map((on, i) => [on, i]))('replays a 200 command with its ETag byte for byte on %s', (_on, i) => {
    const again = replays.revised.again[i as number];
    expect(replays.revised.first.statusCode).toBe(200);
    expect(replays.revised.first.headers.etag).toBe('"1"');
    expect(answerOf(again)).toEqual(answerOf(replays.revised.first));
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('keeps a refusal as the first answer: a problem with its instance and its own correlation id', () => {
    const { first: answer } = replays.refused;
    expect(answer.statusCode).toBe(422);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(answer.json()).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      instance: `/commitments/${replays.created.first.json().id}/start`,
    });
    expect(answer.headers['x-correlation-id']).toEqual(expect.any(String));
    expect(answer.headers.etag).toBeUndefined();
    expect(answer.headers.location).toBeUndefined();
  });

  it.each(where.map((on, i) => [on, i]))('replays the refusal byte for byte, instance included, on %s', (_on, i) => {
    const again = replays.refused.again[i as number];
    expect(answerOf(again)).toEqual(answerOf(replays.refused.first));
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['x-correlation-id']).not.toBe(replays.refused.first.headers['x-correlation-id']);
  });

  it('appended the creation and the revision once, whatever was replayed', async () => {
    const events = await restarted.store.readStream(`commitment-${replays.created.first.json().id}`);
    expect(events.map((e) => e.type)).toEqual(['CommitmentProposed', 'CommitmentRevised']);
  });
});
