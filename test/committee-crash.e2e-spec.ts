import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ApiProcess, startApi } from './support/api-process';

const ADMIN = 'crash-admin-key-0123456789abcdef';

/** A thin HTTP client for the child process. */
function client(api: ApiProcess) {
  return async (path: string, body: unknown, key: string, method = 'POST') => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: method === 'POST' ? JSON.stringify(body) : undefined,
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
}

function eventsIn(dir: string): { stream_id: string; type: string; metadata: string }[] {
  const db = new Database(join(dir, 'data', 'accord.db'), { readonly: true });
  try {
    return db.prepare('SELECT stream_id, type, metadata FROM events ORDER BY position').all() as never;
  } finally {
    db.close();
  }
}

/** Keys, the agreement, and `count` commitments on a session's agenda with both delegations' approval. */
async function decideApprovals(api: ApiProcess, count: number) {
  const post = client(api);
  const key = async (role: string, party?: string) =>
    (await post('/admin/keys', { name: role, role, party }, ADMIN)).key as string;
  const secretariat = await key('secretariat');
  const ma = await key('integration', 'MA');
  const maDelegate = await key('delegate', 'MA');
  const qaDelegate = await key('delegate', 'QA');
  const agreement = await post(
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
  const session = await post(
    '/sessions',
    { agreementId: agreement.id, scheduledFor: '2027-01-15T09:00:00Z', venue: 'Rabat' },
    secretariat,
  );
  const commitments: string[] = [];
  const items: string[] = [];
  for (let i = 0; i < count; i++) {
    const c = await post(
      '/commitments',
      { agreementId: agreement.id, title: `C${i}`, description: 'd', domain: 'cybercrime', leadAgencies: ['DGSN'] },
      ma,
    );
    commitments.push(c.id as string);
    items.push(
      (await post(`/sessions/${session.id}/agenda`, { commitmentId: c.id, kind: 'review' }, secretariat))
        .itemId as string,
    );
  }
  await post(`/sessions/${session.id}/open`, { attendance: ['MA', 'QA'] }, secretariat);
  for (const itemId of items) {
    await post(`/sessions/${session.id}/positions`, { itemId, position: 'approve' }, maDelegate);
    await post(`/sessions/${session.id}/positions`, { itemId, position: 'approve' }, qaDelegate);
  }
  return { commitments, sessionId: session.id as string, secretariat };
}

/** Waits (on the API, not a clock) until every commitment shows `type`, by polling the stream's events. */
async function waitForEffects(dir: string, commitments: string[], type: string, api: ApiProcess): Promise<void> {
  // The process manager follows the log in order: once a later command's effect is in, the
  // earlier ones were handled. Send one marker decision and wait for the log to grow past it.
  const deadline = Date.now() + 30000;
  for (;;) {
    const events = eventsIn(dir);
    const done = commitments.every((id) => events.some((e) => e.stream_id === `commitment-${id}` && e.type === type));
    if (done) return;
    if (Date.now() > deadline || api.child.exitCode !== null) throw new Error(`effects of ${type} did not all arrive`);
    await fetch(`${api.url}/health`); // a round trip to the API paces the polling
  }
}

describe('committee process manager across crashes (SIGKILL)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-pm-crash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const approvals = (id: string) =>
    eventsIn(dir).filter((e) => e.stream_id === `commitment-${id}` && e.type === 'CommitmentApproved').length;

  it('applies decisions recorded before a SIGKILL exactly once after the restart', async () => {
    // Workers off: the decisions are recorded and the process dies before any takes effect.
    const first = await startApi({ ACCORD_ADMIN_KEY: ADMIN, ACCORD_WORKERS: 'off' }, dir);
    const { commitments } = await decideApprovals(first, 4);
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    expect(eventsIn(dir).filter((e) => e.type === 'DecisionReached')).toHaveLength(4);
    expect(commitments.map(approvals)).toEqual([0, 0, 0, 0]);

    const second = await startApi({ ACCORD_ADMIN_KEY: ADMIN }, dir);
    await waitForEffects(dir, commitments, 'CommitmentApproved', second);
    expect(await second.stop('SIGTERM')).toBe(0);

    // A third start re-reads nothing twice: the checkpoint held.
    const third = await startApi({ ACCORD_ADMIN_KEY: ADMIN }, dir);
    expect(await third.stop('SIGTERM')).toBe(0);
    expect(commitments.map(approvals)).toEqual([1, 1, 1, 1]);
  });

  it('does not apply a decision twice when killed after its effect but before its checkpoint', async () => {
    const first = await startApi(
      { ACCORD_ADMIN_KEY: ADMIN, ACCORD_FAILPOINT: 'committee-after-effect:ApproveCommitment' },
      dir,
    );
    const run = decideApprovals(first, 3).catch(() => undefined); // the process dies under it
    const code = await new Promise((resolve) => first.child.once('exit', (c, s) => resolve(c ?? s)));
    await run;
    expect(code).toBe('SIGKILL');
    const approvedBeforeRestart = eventsIn(dir).filter((e) => e.type === 'CommitmentApproved').length;
    expect(approvedBeforeRestart).toBe(1);
    const decided = eventsIn(dir).filter((e) => e.type === 'DecisionReached').length;

    // The restart redelivers the decision it died on (its effect is found, not repeated) and applies the rest.
    const last = await startApi({ ACCORD_ADMIN_KEY: ADMIN }, dir);
    const commitments = [
      ...new Set(
        eventsIn(dir)
          .filter((e) => e.type === 'CommitmentProposed')
          .map((e) => e.stream_id.slice(11)),
      ),
    ];
    const decidedIds = commitments.filter((id) =>
      eventsIn(dir).some((e) => e.type === 'CommitmentPlacedOnAgenda' && e.stream_id === `commitment-${id}`),
    );
    await waitForEffects(dir, decidedIds.slice(0, decided), 'CommitmentApproved', last);
    expect(await last.stop('SIGTERM')).toBe(0);
    const counts = decidedIds.map(approvals).filter((n) => n > 0);
    expect(counts).toHaveLength(decided);
    expect(counts.every((n) => n === 1)).toBe(true);
  });
});
