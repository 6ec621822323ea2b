import type { RecordedEvent } from '@accord/event-store';
import type { Clock } from '../apps/api/src/infrastructure/clock';
import { Workers } from '../apps/api/src/workers/workers.module';
import { MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

class ManualClock implements Clock {
  private current = new Date();
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

/**
 * The mixed committee end to end, on SQLite: sessions decide by consensus over HTTP, and
 * the process manager carries each decision to its commitment.
 */
describe('the mixed committee over HTTP', () => {
  const clock = new ManualClock();
  let t: TestApp;
  let workers: Workers;
  let secretariat: string;
  let ma: string;
  let maDelegate: string;
  let qaDelegate: string;
  let agreementId: string;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    workers = t.app.get(Workers);
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    maDelegate = await t.createKey('delegate', 'MA');
    qaDelegate = await t.createKey('delegate', 'QA');
    agreementId = (await t.post('/agreements', MOROCCO_QATAR, secretariat)).json().id;
  });
  afterAll(() => t.close());

  /** Sends a command, expects success, and waits until the process manager has seen it. */
  async function ok(url: string, body: unknown, key: string, status = 200) {
    const response = await t.post(url, body, key);
    if (response.statusCode !== status) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    const json = response.json();
    expect(await workers.processManager.waitFor(json.position)).toBe(true);
    return json;
  }

  async function propose(title: string, domain: string, dueDate?: string): Promise<string> {
    const body = {
      agreementId,
      title,
      description: `${title}.`,
      domain,
      leadAgencies: ['DGSN'],
      ...(dueDate ? { dueDate } : {}),
    };
    return (await ok('/commitments', body, ma, 201)).id;
  }

  async function session(): Promise<string> {
    return (
      await ok('/sessions', { agreementId, scheduledFor: '2027-02-01T09:00:00Z', venue: 'Doha' }, secretariat, 201)
    ).id;
  }

  async function item(
    sessionId: string,
    commitmentId: string,
    kind: string,
    proposedDueDate?: string,
  ): Promise<string> {
    const body = { commitmentId, kind, ...(proposedDueDate ? { proposedDueDate } : {}) };
    return (await ok(`/sessions/${sessionId}/agenda`, body, secretariat)).itemId;
  }

  const positions = (sessionId: string, itemId: string, maPosition: string, qaPosition: string) =>
    Promise.all([
      ok(`/sessions/${sessionId}/positions`, { itemId, position: maPosition }, maDelegate),
      ok(`/sessions/${sessionId}/positions`, { itemId, position: qaPosition }, qaDelegate),
    ]);

  const types = async (id: string) => (await t.store.readStream(`commitment-${id}`)).map((e) => e.type);
  const sessionEvents = async (id: string): Promise<RecordedEvent[]> => t.store.readStream(`session-${id}`);

  it('takes a commitment from proposal through approval, work, an achieved evaluation, to closing', async () => {
    const id = await propose('Joint counter-terrorism liaison officers', 'counter-terrorism');
    const review = await session();
    const reviewItem = await item(review, id, 'review');
    expect(await types(id)).toEqual(['CommitmentProposed', 'CommitmentPlacedOnAgenda']);
    await ok(`/sessions/${review}/open`, { attendance: ['MA', 'QA'] }, secretariat);
    await positions(review, reviewItem, 'approve', 'approve');
    await ok(`/sessions/${review}/close`, {}, secretariat);
    expect((await sessionEvents(review)).filter((e) => e.type === 'DecisionReached')).toHaveLength(1);
    expect((await types(id)).at(-1)).toBe('CommitmentApproved');

    await ok(`/commitments/${id}/start`, {}, ma);
    await ok(`/commitments/${id}/progress`, { percent: 50, narrative: 'Officers posted in Rabat and Doha' }, ma);
    await ok(
      `/commitments/${id}/complete`,
      { summary: 'Both liaison desks run', evidence: [{ title: 'Report', uri: 'https://e.org/r' }] },
      ma,
    );

    const evaluation = await session();
    const evaluationItem = await item(evaluation, id, 'evaluation');
    await ok(`/sessions/${evaluation}/open`, { attendance: ['MA', 'QA'] }, secretariat);
    await positions(evaluation, evaluationItem, 'achieved', 'achieved');
    await ok(`/sessions/${evaluation}/close`, {}, secretariat);
    await ok(`/commitments/${id}/close`, {}, secretariat);

    expect(await types(id)).toEqual([
      'CommitmentProposed',
      'CommitmentPlacedOnAgenda',
      'CommitmentApproved',
      'CommitmentStarted',
      'ProgressReported',
      'CommitmentCompleted',
      'CommitmentEvaluated',
      'CommitmentClosed',
    ]);
    const evaluated = (await t.store.readStream(`commitment-${id}`)).find((e) => e.type === 'CommitmentEvaluated');
    expect(evaluated?.data).toMatchObject({ outcome: 'achieved', sessionId: evaluation });
    expect(evaluated?.metadata.actor).toMatchObject({ role: 'system' });
  });

  it('defers an item the delegations disagree on, and decides it at the next session', async () => {
    const id = await propose('Shared watch-list for travel-document fraud', 'border security');
    const first = await session();
    const firstItem = await item(first, id, 'review');
    await ok(`/sessions/${first}/open`, { attendance: ['MA', 'QA'] }, secretariat);
    await positions(first, firstItem, 'approve', 'request_changes');
    // MA changes its position; the delegations still disagree.
    await ok(`/sessions/${first}/positions`, { itemId: firstItem, position: 'reject' }, maDelegate);
    await ok(`/sessions/${first}/close`, {}, secretariat);
    const closed = await sessionEvents(first);
    expect(closed.filter((e) => e.type === 'DecisionReached')).toHaveLength(0);
    expect(closed.filter((e) => e.type === 'ItemDeferred')).toHaveLength(1);
    expect((await types(id)).slice(-2)).toEqual(['CommitmentPlacedOnAgenda', 'CommitmentDeferred']);

    const second = await session();
    const secondItem = await item(second, id, 'review');
    await ok(`/sessions/${second}/open`, { attendance: ['MA', 'QA'] }, secretariat);
    await positions(second, secondItem, 'approve', 'approve');
    expect((await types(id)).slice(-2)).toEqual(['CommitmentPlacedOnAgenda', 'CommitmentApproved']);
  });

  it('flags an approved commitment overdue, and a granted extension clears the flag', async () => {
    const id = await propose('Stadium security command post', 'stadium security', '2027-06-30');
    const review = await session();
    const reviewItem = await item(review, id, 'review');
    await ok(`/sessions/${review}/open`, { attendance: ['MA', 'QA'] }, secretariat);
    await positions(review, reviewItem, 'approve', 'approve');
    await ok(`/commitments/${id}/start`, {}, ma);

    const head = (await t.log()).at(-1)!.position;
    expect(await workers.projections.waitFor('commitments', head)).toBe(true);
    clock.set('2027-07-02T08:00:00Z');
    expect(await workers.deadlines.tick()).toBe(1);
    expect((await types(id)).at(-1)).toBe('CommitmentBecameOverdue');

    const extension = await session();
    const extensionItem = await item(extension, id, 'extension', '2027-12-31');
    await ok(`/sessions/${extension}/open`, { attendance: ['MA', 'QA'] }, secretariat);
    await positions(extension, extensionItem, 'grant', 'grant');
    const events = await t.store.readStream(`commitment-${id}`);
    expect(events.at(-1)).toMatchObject({
      type: 'DueDateExtended',
      data: { dueDate: '2027-12-31', previousDueDate: '2027-06-30' },
    });
    const head2 = (await t.log()).at(-1)!.position;
    expect(await workers.projections.waitFor('commitments', head2)).toBe(true);
    expect(await workers.deadlines.tick()).toBe(0);
  });

  it('refuses an item that does not fit the commitment, and a decision without full attendance', async () => {
    const id = await propose('Crisis-management exercise', 'counter-terrorism');
    const s = await session();
    const before = (await t.log()).length;
    const evaluation = await t.post(`/sessions/${s}/agenda`, { commitmentId: id, kind: 'evaluation' }, secretariat);
    expect(evaluation.statusCode).toBe(422);
    expect(evaluation.json()).toMatchObject({ code: 'RULE_VIOLATED' });
    expect((await t.log()).length).toBe(before);

    const reviewItem = await item(s, id, 'review');
    await ok(`/sessions/${s}/open`, { attendance: ['MA'] }, secretariat);
    const position = await t.post(`/sessions/${s}/positions`, { itemId: reviewItem, position: 'approve' }, maDelegate);
    expect(position.statusCode).toBe(422);
  });
});
