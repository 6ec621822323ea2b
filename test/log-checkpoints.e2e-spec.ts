import { eventLeafHash } from '@accord/log-tree';
import { verifyConsistency, verifyInclusion } from '@accord/merkle';
import {
  ALGORITHM_COSIGNATURE_V1,
  generateKey,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signatureLine,
} from '@accord/signed-note';
import { runWorkload, lastPosition } from './support/workload';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

const b64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

/**
 * The transparency log over HTTP (issue 16, points 2 to 4): the operator's key, checkpoints
 * signed on demand and kept, inclusion and consistency proofs that verify with the RFC 9162
 * verifier against the signed roots, and the parties' witnesses cosigning.
 */
describe('checkpoints, proofs and witnesses over HTTP (real app, SQLite or PostgreSQL)', () => {
  let t: TestApp;
  let auditor: string;
  let ma: string;
  let qa: string;
  const get = (url: string, key = auditor) => t.request({ method: 'GET', url, key });

  beforeAll(async () => {
    t = await startTestApp();
    auditor = await t.createKey('auditor');
    ma = await t.createKey('integration', 'MA');
    qa = await t.createKey('delegate', 'QA');
  });
  afterAll(() => t.close());

  /** Signs a checkpoint over the log as it stands. */
  const checkpoint = async () => {
    const response = await t.post('/audit/checkpoints', {}, ADMIN_KEY);
    expect(response.statusCode).toBe(201);
    return response.json() as { treeSize: number; rootHash: string; note: string; position: number };
  };

  it('signs checkpoints with the log key it serves, proves inclusion and consistency against them', async () => {
    expect((await get('/audit/checkpoint')).statusCode).toBe(404);
    const key = (await get('/audit/log-key')).json();
    expect(key.origin).toMatch(/^accord\.dev\/log\/[0-9a-f-]{36}$/);
    expect(key.verifierKeys).toEqual([key.verifierKey]);
    const verifier = parseVerifierKey(key.verifierKey);

    await runWorkload(t, 16, 120);
    const first = await checkpoint();
    const events = await t.store.readAll({ maxCount: 100_000 });
    expect(first.treeSize).toBe(events.length);
    expect(first.position).toBe(await lastPosition(t));
    const opened = openCheckpoint(first.note, { log: verifier, origin: key.origin });
    expect(opened.checkpoint.size).toBe(first.treeSize);
    expect(Buffer.from(opened.checkpoint.rootHash).toString('base64')).toBe(first.rootHash);
    // Nothing grew: the same checkpoint again.
    expect((await checkpoint()).note).toBe(first.note);

    await runWorkload(t, 17, 60);
    const second = await checkpoint();
    expect(second.treeSize).toBeGreaterThan(first.treeSize);
    const all = await t.store.readAll({ maxCount: 100_000 });

    // Every tenth event is proven in both checkpoints, against the roots the operator signed.
    for (const [i, event] of all.entries()) {
      if (i % 10 !== 0) continue;
      for (const cp of i < first.treeSize ? [first, second] : [second]) {
        const proof = (await get(`/audit/proofs/inclusion?eventId=${event.id}&treeSize=${cp.treeSize}`)).json();
        expect(proof).toMatchObject({
          leafIndex: i,
          treeSize: cp.treeSize,
          position: event.position,
          rootHash: cp.rootHash,
        });
        const claim = {
          leafIndex: i,
          treeSize: cp.treeSize,
          leafHash: eventLeafHash(event),
          proof: proof.proof.map(b64),
          root: b64(cp.rootHash),
        };
        expect(verifyInclusion(claim)).toBe(true);
        expect(verifyInclusion({ ...claim, leafHash: eventLeafHash(all[(i + 1) % all.length]) })).toBe(false);
      }
    }
    // Without treeSize: the latest checkpoint, whose note comes along.
    const latestProof = (await get(`/audit/proofs/inclusion?eventId=${all[0].id}`)).json();
    expect(latestProof.treeSize).toBe(second.treeSize);
    expect(latestProof.checkpoint).toBe(second.note);

    const consistency = (await get(`/audit/proofs/consistency?from=${first.treeSize}&to=${second.treeSize}`)).json();
    expect(
      verifyConsistency({
        fromSize: first.treeSize,
        toSize: second.treeSize,
        fromRoot: b64(first.rootHash),
        toRoot: b64(second.rootHash),
        proof: consistency.proof.map(b64),
      }),
    ).toBe(true);

    const page = (await get('/audit/checkpoints?limit=1')).json();
    expect(page.items.map((c: { treeSize: number }) => c.treeSize)).toEqual([second.treeSize]);
    expect(page.nextBefore).toBe(second.treeSize);
    const older = (await get(`/audit/checkpoints?before=${page.nextBefore}`)).json();
    expect(older).toMatchObject({ items: [{ treeSize: first.treeSize, note: first.note }], nextBefore: null });
    expect((await get(`/audit/checkpoints/${first.treeSize}`)).json().note).toBe(first.note);
  });

  it('answers 400 for bad proof questions and 404 for what is not there, changing nothing', async () => {
    const latest = (await get('/audit/checkpoint')).json();
    const event = (await t.store.readAll({ maxCount: 1 }))[0];
    const cases: [string, number, string][] = [
      ['/audit/proofs/inclusion', 400, 'VALIDATION_FAILED'],
      ['/audit/proofs/inclusion?eventId=nope', 400, 'VALIDATION_FAILED'],
      [`/audit/proofs/inclusion?eventId=${event.id}&treeSize=0`, 400, 'VALIDATION_FAILED'],
      [`/audit/proofs/inclusion?eventId=${event.id}&treeSize=${latest.treeSize + 1000}`, 400, 'VALIDATION_FAILED'],
      ['/audit/proofs/inclusion?eventId=0190a6f8-0000-7000-8000-000000000000', 404, 'NOT_FOUND'],
      ['/audit/proofs/consistency?from=5&to=2', 400, 'VALIDATION_FAILED'],
      ['/audit/proofs/consistency?from=0&to=2', 400, 'VALIDATION_FAILED'],
      [`/audit/proofs/consistency?from=1&to=${latest.treeSize + 1}`, 400, 'VALIDATION_FAILED'],
      ['/audit/checkpoints/abc', 400, 'VALIDATION_FAILED'],
      ['/audit/checkpoints/3', 404, 'NOT_FOUND'],
      ['/audit/checkpoints?limit=0', 400, 'VALIDATION_FAILED'],
    ];
    for (const [url, status, code] of cases) {
      const response = await get(url);
      expect([url, response.statusCode, response.json().code]).toEqual([url, status, code]);
    }
    // Only the admin signs on demand.
    expect((await t.post('/audit/checkpoints', {}, auditor)).statusCode).toBe(403);
    expect((await get('/audit/checkpoint')).json().treeSize).toBe(latest.treeSize);
  });

  it("keeps the parties' cosignatures and shows a checkpoint cosigned by every party of the agreement", async () => {
    const agreement = (await t.post('/agreements', MOROCCO_QATAR, ADMIN_KEY)).json();
    const maKey = generateKey('ma.witness.example', ALGORITHM_COSIGNATURE_V1);
    const qaKey = generateKey('qa.witness.example', ALGORITHM_COSIGNATURE_V1);
    const register = (party: string, verifierKey: string, key = ADMIN_KEY) =>
      t.post('/admin/witnesses', { party, verifierKey }, key);
    expect((await register('MA', maKey.verifierKey, ma)).statusCode).toBe(403);
    const registered = await register('MA', maKey.verifierKey);
    expect(registered.statusCode).toBe(201);
    expect(registered.json()).toMatchObject({
      party: 'MA',
      name: 'ma.witness.example',
      verifierKey: maKey.verifierKey,
    });
    // The same again is a repeat; the key for another party, a conflict; a note key, refused.
    const before = await lastPosition(t);
    expect((await register('MA', maKey.verifierKey)).statusCode).toBe(201);
    expect(await lastPosition(t)).toBe(before);
    expect((await register('QA', maKey.verifierKey)).json().code).toBe('CONFLICT');
    expect((await register('QA', generateKey('note.key').verifierKey)).json().code).toBe('VALIDATION_FAILED');
    expect((await register('QA', 'not a key')).json().code).toBe('VALIDATION_FAILED');
    expect((await register('QA', qaKey.verifierKey)).statusCode).toBe(201);
    expect((await get('/audit/witnesses')).json().map((w: { party: string }) => w.party)).toEqual(['MA', 'QA']);

    const cp = await checkpoint();
    const text = cp.note.slice(0, cp.note.indexOf('\n\n') + 1);
    const cosign = (signerKey: string, apiKey: string, size = cp.treeSize, over = text) =>
      t.post(
        `/audit/checkpoints/${size}/cosignatures`,
        { cosignature: signatureLine(over, parseSignerKey(signerKey)) },
        apiKey,
      );

    // QA's delegate may not post MA's witness's line; a line over another text is refused.
    expect((await cosign(maKey.signerKey, qa)).statusCode).toBe(403);
    const forged = await cosign(maKey.signerKey, ma, cp.treeSize, text.replace(/\n\d+\n/, '\n1\n'));
    expect([forged.statusCode, forged.json().rule]).toEqual([422, 'cosignature-invalid']);
    const stranger = await cosign(generateKey('x.example', ALGORITHM_COSIGNATURE_V1).signerKey, ma);
    expect([stranger.statusCode, stranger.json().rule]).toEqual([422, 'witness-unknown']);
    expect(
      (await t.post(`/audit/checkpoints/${cp.treeSize}/cosignatures`, { cosignature: 'hello' }, ma)).statusCode,
    ).toBe(400);
    expect((await cosign(maKey.signerKey, ma, 3)).statusCode).toBe(404);

    const half = (await cosign(maKey.signerKey, ma)).json();
    const mine = half.agreements.find((a: { agreementId: string }) => a.agreementId === agreement.id);
    expect(mine).toMatchObject({ parties: ['MA', 'QA'], cosignedBy: ['MA'], cosignedByAll: false });
    const full = (await cosign(qaKey.signerKey, qa)).json();
    expect(full.agreements.find((a: { agreementId: string }) => a.agreementId === agreement.id)).toMatchObject({
      cosignedBy: ['MA', 'QA'],
      cosignedByAll: true,
    });
    expect(full.cosignatures.map((c: { party: string }) => c.party)).toEqual(['MA', 'QA']);
    // The note carries both cosignatures, each verifiable by the party's key.
    const opened = openCheckpoint(full.note, {
      log: parseVerifierKey((await get('/audit/log-key')).json().verifierKey),
      witnesses: [parseVerifierKey(maKey.verifierKey), parseVerifierKey(qaKey.verifierKey)],
    });
    expect(opened.cosignatures.map((c) => c.name)).toEqual(['ma.witness.example', 'qa.witness.example']);
    expect((await get('/audit/checkpoint')).json().note).toBe(full.note);
  });
});
