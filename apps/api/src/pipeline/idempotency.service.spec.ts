import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDb } from '@accord/sql';
import type { Principal } from '../auth/principal';
import { ProblemException } from '../http/problem';
import { IdempotencyClaims } from './idempotency-claims';
import { Idempotency, JSON_CONTENT_TYPE, PROBLEM_CONTENT_TYPE, type CommandResponse } from './idempotency.service';

const principal: Principal = { id: 'key-1', role: 'integration', party: 'MA', name: 'MA integration' };
const ok = (revision: number): CommandResponse => ({
  status: 200,
  body: JSON.stringify({ revision }),
  contentType: JSON_CONTENT_TYPE,
  etag: `"${revision}"`,
  location: null,
});

/** Resolves once `claims.get` has been called `times` times: the waiter is polling. */
async function polled(claims: IdempotencyClaims, times: number): Promise<void> {
  const get = jest.spyOn(claims, 'get');
  while (get.mock.calls.length < times) await new Promise((resolve) => setImmediate(resolve));
}

describe('Idempotency claims (real SQLite file)', () => {
  let dir: string;
  let db: SqliteDb;
  let claims: IdempotencyClaims;
  let now: number;
  let idempotency: Idempotency;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-claims-'));
    db = new SqliteDb(join(dir, 'accord.db'));
    claims = new IdempotencyClaims(db);
    now = 1_000_000;
    idempotency = new Idempotency(claims, { leaseMs: 5_000, now: () => now });
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the command once and replays its answer', async () => {
    let runs = 0;
    const execute = async () => ok(++runs);
    expect(await idempotency.run(principal, 'k', 'h1', execute)).toEqual(ok(1));
    expect(await idempotency.run(principal, 'k', 'h1', execute)).toEqual({ ...ok(1), replayed: true });
    expect(runs).toBe(1);
  });

  it('refuses another request on the key while the first is still pending, without running it', async () => {
    expect(await claims.claim(principal.id, 'k', 'h1', 'other-instance', now)).toBe(true);
    let ran = false;
    const attempt = idempotency.run(principal, 'k', 'h2', async () => ((ran = true), ok(1)));
    await expect(attempt).rejects.toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(ran).toBe(false);
  });

  it('waits for a pending claim of another instance and answers with its answer', async () => {
    expect(await claims.claim(principal.id, 'k', 'h1', 'other-instance', now)).toBe(true);
    let ran = false;
    const waiting = idempotency.run(principal, 'k', 'h1', async () => ((ran = true), ok(9)));
    await polled(claims, 2);
    const created = {
      status: 201,
      body: '{"revision":0}',
      contentType: JSON_CONTENT_TYPE,
      etag: '"0"',
      location: '/commitments/c-1',
    };
    expect(await claims.answer(principal.id, 'k', created)).toBe(true);
    expect(await waiting).toEqual({ ...created, replayed: true });
    expect(ran).toBe(false);
  });

  it('takes over a claim left pending past the lease, and not before', async () => {
    expect(await claims.claim(principal.id, 'k', 'h1', 'dead-instance', now)).toBe(true);
    let runs = 0;
    const waiting = idempotency.run(principal, 'k', 'h1', async () => ok(++runs));
    await polled(claims, 3);
    expect(runs).toBe(0); // the lease still holds
    now += 5_000;
    expect(await waiting).toEqual(ok(1));
    expect(runs).toBe(1);
    expect((await claims.get(principal.id, 'k'))?.answer).toEqual({
      status: 200,
      body: JSON.stringify({ revision: 1 }),
      etag: '"1"',
      contentType: JSON_CONTENT_TYPE,
      location: null,
    });
  });

  it('sends the answer kept first when a stalled owner finishes after the instance that took over', async () => {
    const other = new Idempotency(new IdempotencyClaims(db), { leaseMs: 5_000, now: () => now });
    let finish: (response: CommandResponse) => void = () => undefined;
    let stalled: CommandResponse | undefined;
    await new Promise<void>((started) => {
      void idempotency
        .run(principal, 'k', 'h1', () => (started(), new Promise<CommandResponse>((done) => (finish = done))))
        .then((answer) => (stalled = answer));
    });
    now += 5_000;
    expect(await other.run(principal, 'k', 'h1', async () => ok(1))).toEqual(ok(1));
    finish(ok(2));
    while (!stalled) await new Promise((resolve) => setImmediate(resolve));
    expect(stalled).toEqual({ ...ok(1), replayed: true });
    expect((await claims.get(principal.id, 'k'))?.answer?.body).toBe('{"revision":1}');
  });

  it('resolves with a refusal, as bytes that every replay sends again, naming the first URL', async () => {
    let runs = 0;
    const refused = () => (runs++, Promise.reject(new ProblemException(422, 'RULE_VIOLATED', 'no', { rule: 'r' })));
    const first = await idempotency.run(principal, 'k', 'h', refused, '/commitments/c-1/start');
    expect(first).toEqual({
      status: 422,
      body: JSON.stringify({
        type: 'https://accord.dev/problems/rule-violated',
        title: 'Rule violated',
        status: 422,
        code: 'RULE_VIOLATED',
        detail: 'no',
        instance: '/commitments/c-1/start',
        rule: 'r',
      }),
      contentType: PROBLEM_CONTENT_TYPE,
      etag: null,
      location: null,
    });
    expect(await idempotency.run(principal, 'k', 'h', refused, '/commitments/C-1/start?again')).toEqual({
      ...first,
      replayed: true,
    });
    expect(runs).toBe(1);
  });

  it('keeps a refusal as the answer but releases the claim after its own failure', async () => {
    const refused = () => Promise.reject(new ProblemException(422, 'RULE_VIOLATED', 'no'));
    expect(await idempotency.run(principal, 'a', 'h', refused)).toMatchObject({ status: 422 });
    expect((await claims.get(principal.id, 'a'))?.answer?.status).toBe(422);

    await expect(idempotency.run(principal, 'b', 'h', () => Promise.reject(new Error('disk')))).rejects.toThrow('disk');
    expect(await claims.get(principal.id, 'b')).toBeUndefined();
    expect(await idempotency.run(principal, 'b', 'h', async () => ok(3))).toEqual(ok(3));
  });

  it('gives one claim to exactly one of many instances racing on one file', async () => {
    const others = Array.from({ length: 4 }, () => new SqliteDb(join(dir, 'accord.db')));
    try {
      const racers = [claims, ...others.map((o) => new IdempotencyClaims(o))];
      const won = await Promise.all(racers.map((c, i) => c.claim(principal.id, 'race', 'h', `owner-${i}`, now)));
      expect(won.filter(Boolean)).toHaveLength(1);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });

  it('counts records from before claims (no owner) as answered', async () => {
    await claims.setup();
    await db.execute(
      `INSERT INTO idempotency_keys (principal_id, key, request_hash, status, body, etag, created_at)
       VALUES (?, 'old', 'h', 201, '{"id":"x"}', '"0"', '2026-01-01T00:00:00Z')`,
      [principal.id],
    );
    expect(await idempotency.run(principal, 'old', 'h', async () => ok(5))).toEqual({
      status: 201,
      body: '{"id":"x"}',
      contentType: JSON_CONTENT_TYPE,
      etag: '"0"',
      location: null,
      replayed: true,
    });
  });
});
