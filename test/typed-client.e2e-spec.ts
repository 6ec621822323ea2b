import { headPosition } from '@accord/event-store';
import { ALGORITHM_COSIGNATURE_V1, generateKey, parseSignerKey, signatureLine } from '@accord/signed-note';
import { Workers } from '../apps/api/src/workers/workers.module';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

/**
 * The whole lifecycle as an integrator drives it: through the client generated from the
 * OpenAPI document (openapi-typescript types, openapi-fetch), with no cast. A route whose
 * document drifts from what the code takes or answers fails `tsc` here, and every answer is
 * also checked against the document at run time (support/contract.ts). Every operation of the
 * document is called at least once.
 */
describe('the API through the client generated from its OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /**
   * The position after which the commitments read model shows what the process manager did
   * with everything up to `position` (it applies decisions asynchronously, as a new event).
   */
  async function settled(position: number): Promise<number> {
    expect(await t.app.get(Workers).processManager.waitFor(position)).toBe(true);
    return headPosition(t.store);
  }

  it('runs an agreement, a commitment and two committee sessions end to end, and reads every view of them', async () => {
    const admin = t.client(ADMIN_KEY);
    const key = async (role: 'secretariat' | 'integration' | 'delegate' | 'auditor', party?: string) => {
      const { data, error, response } = await admin.POST('/admin/keys', {
        body: { name: `${role} ${party ?? ''}`.trim(), role, ...(party ? { party } : {}) },
      });
      expect(error).toBeUndefined();
      expect(response.status).toBe(201);
      return data!;
    };
    const secretariat = t.client((await key('secretariat')).key);
    const ma = t.client((await key('integration', 'MA')).key);
    const maDelegate = t.client((await key('delegate', 'MA')).key);
    const qaDelegate = t.client((await key('delegate', 'QA')).key);
    const auditor = t.client((await key('auditor')).key);
    const spare = await key('auditor');

    const me = await qaDelegate.GET('/me');
    expect(me.data).toMatchObject({ role: 'delegate', party: 'QA', name: 'delegate QA' });

    const keys = await admin.GET('/admin/keys');
    expect(keys.data!.items.map((k) => k.role)).toEqual(
      expect.arrayContaining(['admin', 'secretariat', 'integration', 'delegate', 'auditor']),
    );
    const revoked = await admin.DELETE('/admin/keys/{id}', { params: { path: { id: spare.id } } });
    expect(revoked.data!.status).toBe('revoked');
    expect((await t.client(spare.key).GET('/audit/digest')).response.status).toBe(401);

    // The agreement.
    const registered = await secretariat.POST('/agreements', { body: MOROCCO_QATAR });
    expect(registered.response.status).toBe(201);
    const agreementId = registered.data!.id;
    expect(registered.response.headers.get('location')).toBe(`/agreements/${agreementId}`);
    const amended = await secretariat.POST('/agreements/{id}/domains', {
      params: { path: { id: agreementId } },
      body: { domains: [...MOROCCO_QATAR.domains, 'training'] },
    });
    expect(amended.data!.revision).toBe(1);

    const agreements = await ma.GET('/agreements', { params: { query: { after: amended.data!.position } } });
    expect(agreements.data!.items.map((a) => a.id)).toContain(agreementId);
    const agreement = await ma.GET('/agreements/{id}', { params: { path: { id: agreementId } } });
    expect(agreement.data!.domains).toContain('training');
    const etag = agreement.response.headers.get('etag')!;
    const unchanged = await ma.GET('/agreements/{id}', {
      params: { path: { id: agreementId }, header: { 'If-None-Match': etag } },
    });
    expect(unchanged.response.status).toBe(304);

    // A commitment, proposed and revised.
    const proposed = await ma.POST('/commitments', {
      body: {
        agreementId,
        title: 'Joint cybercrime investigation unit',
        description: 'A joint unit and a 24/7 contact point for cybercrime cases.',
        domain: 'cybercrime',
        leadAgencies: ['DGSN'],
        dueDate: '2030-06-30',
      },
    });
    expect(proposed.response.status).toBe(201);
    const commitmentId = proposed.data!.id;
    const path = { path: { id: commitmentId } };
    const revised = await ma.POST('/commitments/{id}/revise', { params: path, body: { priority: 'high' } });
    expect(revised.data!.events.map((e) => e.type)).toEqual(['CommitmentRevised']);

    // The committee approves it.
    const session = async (kind: 'review' | 'evaluation', position: 'approve' | 'achieved') => {
      const scheduled = await secretariat.POST('/sessions', {
        body: { agreementId, scheduledFor: '2030-03-10T09:30:00Z', venue: 'Doha, Ministry of Interior' },
      });
      const sessionId = scheduled.data!.id;
      const at = { path: { id: sessionId } };
      const item = await secretariat.POST('/sessions/{id}/agenda', { params: at, body: { commitmentId, kind } });
      expect(item.error).toBeUndefined();
      await secretariat.POST('/sessions/{id}/open', { params: at, body: { attendance: ['MA', 'QA'] } });
      await maDelegate.POST('/sessions/{id}/positions', { params: at, body: { itemId: item.data!.itemId, position } });
      const decided = await qaDelegate.POST('/sessions/{id}/positions', {
        params: at,
        body: { itemId: item.data!.itemId, position },
      });
      expect(decided.data!.events.map((e) => e.type)).toEqual(['PositionRecorded', 'DecisionReached']);
      const closed = await secretariat.POST('/sessions/{id}/close', { params: at, body: {} });
      expect(closed.error).toBeUndefined();
      return { sessionId, position: closed.data!.position };
    };
    const review = await session('review', 'approve');
    const approved = await ma.GET('/commitments/{id}', {
      params: { ...path, query: { after: await settled(review.position) } },
    });
    expect(approved.data!.status).toBe('approved');
    expect(approved.data!.review).toMatchObject({ decision: 'approved' });

    const view = await auditor.GET('/sessions/{id}', {
      params: { path: { id: review.sessionId }, query: { after: review.position } },
    });
    expect(view.error).toBeUndefined();
    expect(view.data!.status).toBe('closed');
    const sessions = await auditor.GET('/sessions', { params: { query: { agreementId, status: 'closed' } } });
    expect(sessions.data!.items.map((s) => s.id)).toContain(review.sessionId);
    const calendar = await auditor.GET('/agreements/{id}/sessions.ics', {
      params: { path: { id: agreementId } },
      parseAs: 'text',
    });
    expect(calendar.response.headers.get('content-type')).toMatch(/^text\/calendar/);
    expect(calendar.data).toContain('BEGIN:VCALENDAR');

    // Work on it, then the committee evaluates it, and the secretariat closes it.
    expect((await ma.POST('/commitments/{id}/start', { params: path, body: {} })).error).toBeUndefined();
    const evidence = [{ title: 'Joint exercise report', uri: 'https://docs.example.org/reports/2030-07.pdf' }];
    const progress = await ma.POST('/commitments/{id}/progress', {
      params: path,
      body: { percent: 60, narrative: 'Contact points named on both sides.', evidence },
    });
    expect(progress.error).toBeUndefined();
    const complete = await ma.POST('/commitments/{id}/complete', {
      params: path,
      body: { summary: 'The unit is operational.', evidence },
    });
    expect(complete.error).toBeUndefined();
    const evaluation = await session('evaluation', 'achieved');
    const evaluated = await ma.GET('/commitments/{id}', {
      params: { ...path, query: { after: await settled(evaluation.position) } },
    });
    expect(evaluated.data!.status).toBe('evaluated');
    const closed = await secretariat.POST('/commitments/{id}/close', { params: path, body: { note: 'Done.' } });
    expect(closed.data!.events.map((e) => e.type)).toEqual(['CommitmentClosed']);

    // Another, withdrawn.
    const other = await ma.POST('/commitments', {
      body: {
        agreementId,
        title: 'Training',
        description: 'Joint training.',
        domain: 'training',
        leadAgencies: ['DGST'],
      },
    });
    const withdrawn = await ma.POST('/commitments/{id}/withdraw', {
      params: { path: { id: other.data!.id } },
      body: { reason: 'Superseded' },
    });

    // Every view of the record.
    const final = await ma.GET('/commitments/{id}', {
      params: { path: { id: commitmentId }, query: { after: closed.data!.position } },
    });
    expect(final.data).toMatchObject({
      status: 'closed',
      priority: 'high',
      completion: { summary: 'The unit is operational.' },
    });
    expect(final.data!.evidence.map((e) => e.reportedWith)).toEqual(['progress', 'completion']);
    // The list is read after the withdrawal, so both commitments are in it: a page of the newest, then the older.
    const list = await ma.GET('/commitments', {
      params: { query: { agreementId, sort: '-createdAt', limit: 1, after: withdrawn.data!.position } },
    });
    expect(list.data!.items.map((c) => c.id)).toEqual([other.data!.id]);
    expect(list.data!.nextCursor).toEqual(expect.any(String));
    const next = await ma.GET('/commitments', {
      params: { query: { agreementId, sort: '-createdAt', limit: 1, cursor: list.data!.nextCursor! } },
    });
    expect(next.data!.items[0].id).toBe(commitmentId);
    const history = await ma.GET('/commitments/{id}/history', { params: path });
    expect(history.data!.items.length).toBeGreaterThan(5);
    const events = await auditor.GET('/commitments/{id}/events', { params: { ...path, query: { limit: 3 } } });
    expect(events.data!.items).toHaveLength(3);
    expect(events.data!.nextCursor).not.toBeNull();
    const state = await auditor.GET('/commitments/{id}/state', { params: { ...path, query: { revision: 0 } } });
    expect(state.data!.status).toBe('proposed');
    const sessionState = await auditor.GET('/sessions/{id}/state', {
      params: { path: { id: review.sessionId }, query: { revision: 0 } },
    });
    expect(sessionState.data!.revision).toBe(0);
    const sessionEvents = await auditor.GET('/sessions/{id}/events', { params: { path: { id: review.sessionId } } });
    expect(sessionEvents.data!.items[0].type).toBe('SessionScheduled');
    const agreementState = await auditor.GET('/agreements/{id}/state', {
      params: { path: { id: agreementId }, query: { revision: 0 } },
    });
    expect(agreementState.data!.revision).toBe(0);
    const agreementEvents = await auditor.GET('/agreements/{id}/events', { params: { path: { id: agreementId } } });
    expect(agreementEvents.data!.items.map((e) => e.type)).toEqual(['AgreementRegistered', 'AgreementDomainsAmended']);
    const dashboard = await secretariat.GET('/agreements/{id}/dashboard', { params: { path: { id: agreementId } } });
    expect(dashboard.error).toBeUndefined();
    const digest = await auditor.GET('/audit/digest');
    expect(digest.data!.digest).toMatch(/^[0-9a-f]{64}$/);

    // The transparency log: a witness of each party, a checkpoint, their cosignatures, proofs.
    const logKey = await auditor.GET('/audit/log-key');
    expect(logKey.data!.origin).toMatch(/^accord\.dev\/log\//);
    const witnessKeys = {
      MA: generateKey('ma.witness', ALGORITHM_COSIGNATURE_V1),
      QA: generateKey('qa.witness', ALGORITHM_COSIGNATURE_V1),
    };
    for (const [party, pair] of Object.entries(witnessKeys)) {
      const witness = await admin.POST('/admin/witnesses', { body: { party, verifierKey: pair.verifierKey } });
      expect(witness.response.status).toBe(201);
    }
    expect((await auditor.GET('/audit/witnesses')).data!.map((w) => w.party)).toEqual(['MA', 'QA']);
    const signed = await admin.POST('/audit/checkpoints');
    expect(signed.response.status).toBe(201);
    const checkpoint = signed.data!;
    const text = checkpoint.note.slice(0, checkpoint.note.indexOf('\n\n') + 1);
    for (const [party, client] of [
      ['MA', ma],
      ['QA', qaDelegate],
    ] as const) {
      const cosigned = await client.POST('/audit/checkpoints/{treeSize}/cosignatures', {
        params: { path: { treeSize: checkpoint.treeSize } },
        body: { cosignature: signatureLine(text, parseSignerKey(witnessKeys[party].signerKey)) },
      });
      expect(cosigned.error).toBeUndefined();
    }
    const latest = await auditor.GET('/audit/checkpoint');
    expect(latest.data!.agreements.find((a) => a.agreementId === agreementId)!.cosignedByAll).toBe(true);
    const listed = await auditor.GET('/audit/checkpoints', { params: { query: { limit: 10 } } });
    expect(listed.data!.items[0].treeSize).toBe(checkpoint.treeSize);
    const one = await auditor.GET('/audit/checkpoints/{treeSize}', {
      params: { path: { treeSize: checkpoint.treeSize } },
    });
    expect(one.data!.note).toBe(latest.data!.note);
    const firstEvent = events.data!.items[0];
    const inclusion = await auditor.GET('/audit/proofs/inclusion', { params: { query: { eventId: firstEvent.id } } });
    expect(inclusion.data!.treeSize).toBe(checkpoint.treeSize);
    const consistency = await auditor.GET('/audit/proofs/consistency', {
      params: { query: { from: 1, to: checkpoint.treeSize } },
    });
    expect(consistency.data!.toRoot).toBe(checkpoint.rootHash);

    // Operating it.
    const projections = await auditor.GET('/projections');
    expect(projections.data!.items.map((p) => p.name)).toContain('commitments');
    const skip = await admin.POST('/admin/projections/{name}/skip', {
      params: { path: { name: 'commitments' } },
      body: { position: 1, reason: 'not failed' },
    });
    expect(skip.response.status).toBe(409);
    expect(skip.error!.code).toBe('CONFLICT');
    const rebuild = await admin.POST('/admin/projections/{name}/rebuild', { params: { path: { name: 'sessions' } } });
    expect(rebuild.data).toEqual({ name: 'sessions', state: 'rebuilding' });
    const health = await t.client('').GET('/health');
    expect(health.data!.status).toMatch(/^(ok|degraded)$/);
  });

  it('answers a client mistake with the documented problem, typed', async () => {
    const ma = t.client(await t.createKey('integration', 'MA'));
    const { error, response } = await ma.POST('/commitments/{id}/start', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
      body: {},
    });
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});
