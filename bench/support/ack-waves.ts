import { randomUUID } from 'node:crypto';

/**
 * Waves of commands over HTTP against one or more running API instances on one store, that
 * count the answers which were not true (issue 12, items 1 and 11). Only the public HTTP API
 * is used: the same waves run against any build, so a before/after comparison is one run.
 */

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const AGREEMENT = {
  title: 'Agreement on security cooperation between the Kingdom of Morocco and the State of Qatar',
  signedAt: '2014-03-12',
  signedIn: 'Rabat',
  parties: [
    { code: 'MA', name: 'Kingdom of Morocco', agencies: ['DGSN', 'DGST', 'Royal Gendarmerie'] },
    { code: 'QA', name: 'State of Qatar', agencies: ['Ministry of Interior', 'State Security'] },
  ],
  domains: ['counter-terrorism', 'organised crime', 'cybercrime', 'border security', 'stadium security'],
};

/** POSTs JSON; a network failure (a killed instance) is status 0. */
export async function post(
  url: string,
  key: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  } catch {
    return { status: 0, body: {} };
  }
}

export async function get(url: string, key: string): Promise<Answer> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export interface Fixture {
  readonly urls: readonly string[];
  readonly auditor: string;
  readonly secretariat: string;
  readonly ma: string;
  readonly maDelegate: string;
  readonly qaDelegate: string;
  readonly agreementId: string;
}

async function created(answer: Promise<Answer>, what: string): Promise<Record<string, unknown>> {
  const { status, body } = await answer;
  if (status < 200 || status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Keys for every role and one agreement, through the first instance. */
export async function setUp(urls: readonly string[], adminKey: string): Promise<Fixture> {
  const key = async (role: string, party?: string) =>
    (await created(post(`${urls[0]}/admin/keys`, adminKey, { name: `${role} ${party ?? ''}`, role, party }), 'key'))
      .key as string;
  const secretariat = await key('secretariat');
  const agreement = await created(post(`${urls[0]}/agreements`, secretariat, AGREEMENT), 'agreement');
  return {
    urls,
    secretariat,
    auditor: await key('auditor'),
    ma: await key('integration', 'MA'),
    maDelegate: await key('delegate', 'MA'),
    qaDelegate: await key('delegate', 'QA'),
    agreementId: agreement.id as string,
  };
}

export async function propose(f: Fixture, title = 'Joint cybercrime investigation unit'): Promise<string> {
  const body = await created(
    post(`${f.urls[0]}/commitments`, f.ma, {
      agreementId: f.agreementId,
      title,
      description: 'A joint unit and a 24/7 contact point for cybercrime cases.',
      domain: 'cybercrime',
      leadAgencies: ['DGSN'],
      dueDate: '2030-06-30',
    }),
    'proposal',
  );
  return body.id as string;
}

interface StoredEvent {
  type: string;
  revision: number;
  data: Record<string, unknown>;
}

/** A commitment's events, from the audit route (the log itself, not a read model). */
export async function eventsOf(f: Fixture, commitmentId: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let from = 0; ;) {
    const { status, body } = await get(
      `${f.urls[0]}/commitments/${commitmentId}/events?fromRevision=${from}&limit=1000`,
      f.auditor,
    );
    if (status !== 200) throw new Error(`events of ${commitmentId}: ${status} ${JSON.stringify(body)}`);
    const page = (body.items ?? body.events ?? body) as StoredEvent[];
    events.push(...page);
    if (page.length < 1000) return events;
    from = page[page.length - 1].revision + 1;
  }
}

export interface KeyReuseFigures {
  readonly requests: number;
  readonly acknowledged: number;
  readonly refused409: number;
  readonly other: number;
  /** Answers 200 whose body is not the one the stream holds: the lie to drive to 0. */
  readonly acknowledgedNotApplied: number;
  readonly eventsAppended: number;
}

/**
 * One Idempotency-Key, `count` different bodies, in parallel, spread over the instances.
 * True answers: one 200 (whose title is the one applied) and count-1 × 409.
 */
export async function keyReuseWave(f: Fixture, count = 50): Promise<KeyReuseFigures> {
  const id = await propose(f);
  const key = randomUUID();
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      post(
        `${f.urls[i % f.urls.length]}/commitments/${id}/revise`,
        f.ma,
        { title: `Title ${i}` },
        {
          'idempotency-key': key,
        },
      ),
    ),
  );
  const events = await eventsOf(f, id);
  const titles = new Set(
    events.filter((e) => e.type === 'CommitmentRevised').map((e) => (e.data.changes as { title: string }).title),
  );
  let acknowledgedNotApplied = 0;
  answers.forEach((a, i) => {
    if (a.status === 200 && !titles.has(`Title ${i}`)) acknowledgedNotApplied++;
  });
  return {
    requests: count,
    acknowledged: answers.filter((a) => a.status === 200).length,
    refused409: answers.filter((a) => a.status === 409).length,
    other: answers.filter((a) => a.status !== 200 && a.status !== 409).length,
    acknowledgedNotApplied,
    eventsAppended: events.length - 1,
  };
}

/** One key on two commitments: the second must be refused, not applied. */
export async function keyOnTwoTargets(f: Fixture): Promise<{ secondStatus: number; bothApplied: boolean }> {
  const first = await propose(f);
  const second = await propose(f);
  const key = randomUUID();
  await post(`${f.urls[0]}/commitments/${first}/revise`, f.ma, { title: 'Same' }, { 'idempotency-key': key });
  const answer = await post(
    `${f.urls[f.urls.length - 1]}/commitments/${second}/revise`,
    f.ma,
    { title: 'Same' },
    {
      'idempotency-key': key,
    },
  );
  return { secondStatus: answer.status, bothApplied: (await eventsOf(f, second)).length > 1 };
}

export interface RetryWaveFigures {
  readonly clients: number;
  readonly networkErrors: number;
  readonly answered2xx: number;
  readonly answeredOther: Record<number, number>;
  readonly acknowledgedNotApplied: number;
  readonly appliedTwice: number;
}

/**
 * `clients` integrations, each with its own key and body, revising one of a few proposals
 * through every instance in turn; `midWave` runs (a SIGKILL, say) once half have been sent.
 * A client whose instance vanished retries on the next one with the same key and body until
 * it gets an answer: each acknowledgement must be applied, once.
 */
export async function retryWave(
  f: Fixture,
  options: { clients?: number; commitments?: number; midWave?: () => Promise<void> | void } = {},
): Promise<RetryWaveFigures> {
  const clients = options.clients ?? 60;
  const ids: string[] = [];
  for (let i = 0; i < (options.commitments ?? 4); i++) ids.push(await propose(f));
  let networkErrors = 0;
  let sent = 0;
  let midWave: Promise<void> | undefined;
  const run = async (i: number): Promise<Answer> => {
    const key = randomUUID();
    const id = ids[i % ids.length];
    for (let attempt = 0; ; attempt++) {
      const url = f.urls[(i + attempt) % f.urls.length];
      const answer = await post(
        `${url}/commitments/${id}/revise`,
        f.ma,
        { description: `client ${i}` },
        {
          'idempotency-key': key,
        },
      );
      if (++sent === Math.floor(clients / 2) && options.midWave) midWave = Promise.resolve(options.midWave());
      if (answer.status !== 0 && answer.status < 500) return answer;
      networkErrors++;
      if (attempt > 200) return answer;
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 50));
    }
  };
  const answers = await Promise.all(Array.from({ length: clients }, (_, i) => run(i)));
  await midWave;
  const narratives = new Map<string, number>();
  for (const id of ids) {
    for (const e of await eventsOf(f, id)) {
      if (e.type !== 'CommitmentRevised') continue;
      const narrative = (e.data.changes as { description: string }).description;
      narratives.set(narrative, (narratives.get(narrative) ?? 0) + 1);
    }
  }
  const answeredOther: Record<number, number> = {};
  let acknowledgedNotApplied = 0;
  answers.forEach((a, i) => {
    if (a.status >= 200 && a.status < 300) {
      if (!narratives.has(`client ${i}`)) acknowledgedNotApplied++;
    } else answeredOther[a.status] = (answeredOther[a.status] ?? 0) + 1;
  });
  return {
    clients,
    networkErrors,
    answered2xx: answers.filter((a) => a.status >= 200 && a.status < 300).length,
    answeredOther,
    acknowledgedNotApplied,
    appliedTwice: [...narratives.values()].filter((n) => n > 1).length,
  };
}

async function startCommitment(f: Fixture, id: string): Promise<void> {
  // A review in a session: both delegations approve, the process manager approves the commitment.
  const session = await created(
    post(`${f.urls[0]}/sessions`, f.secretariat, {
      agreementId: f.agreementId,
      scheduledFor: '2030-03-10T09:30:00Z',
      venue: 'Rabat',
    }),
    'session',
  );
  const sessionId = session.id as string;
  const item = await created(
    post(`${f.urls[0]}/sessions/${sessionId}/agenda`, f.secretariat, { commitmentId: id, kind: 'review' }),
    'agenda item',
  );
  await created(post(`${f.urls[0]}/sessions/${sessionId}/open`, f.secretariat, { attendance: ['MA', 'QA'] }), 'open');
  for (const key of [f.maDelegate, f.qaDelegate]) {
    await created(
      post(`${f.urls[0]}/sessions/${sessionId}/positions`, key, { itemId: item.itemId, position: 'approve' }),
      'position',
    );
  }
  await created(post(`${f.urls[0]}/sessions/${sessionId}/close`, f.secretariat, {}), 'close');
  for (let i = 0; i < 500; i++) {
    const started = await post(`${f.urls[0]}/commitments/${id}/start`, f.ma, {});
    if (started.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`commitment ${id} was never approved`);
}

export interface ContentionFigures {
  readonly requests: number;
  readonly ok: number;
  readonly conflicts409: number;
  readonly other: number;
  /** The other answers by status. */
  readonly otherStatuses: Record<number, number>;
}

const tally = (answers: readonly Answer[]): ContentionFigures => ({
  requests: answers.length,
  ok: answers.filter((a) => a.status === 200).length,
  conflicts409: answers.filter((a) => a.status === 409).length,
  other: answers.filter((a) => a.status !== 200 && a.status !== 409).length,
  otherStatuses: answers
    .filter((a) => a.status !== 200 && a.status !== 409)
    .reduce<Record<number, number>>((counts, a) => ({ ...counts, [a.status]: (counts[a.status] ?? 0) + 1 }), {}),
});

/** `count` parallel positions on one open session (two disagreeing per item), spread over the instances. */
export async function positionsWave(f: Fixture, count = 100): Promise<ContentionFigures> {
  const session = await created(
    post(`${f.urls[0]}/sessions`, f.secretariat, {
      agreementId: f.agreementId,
      scheduledFor: '2030-03-10T09:30:00Z',
      venue: 'Rabat',
    }),
    'session',
  );
  const sessionId = session.id as string;
  const items: string[] = [];
  for (let i = 0; i < Math.ceil(count / 2); i++) {
    const id = await propose(f);
    const item = await created(
      post(`${f.urls[0]}/sessions/${sessionId}/agenda`, f.secretariat, { commitmentId: id, kind: 'review' }),
      'agenda item',
    );
    items.push(item.itemId as string);
  }
  await created(post(`${f.urls[0]}/sessions/${sessionId}/open`, f.secretariat, { attendance: ['MA', 'QA'] }), 'open');
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      post(`${f.urls[i % f.urls.length]}/sessions/${sessionId}/positions`, i % 2 === 0 ? f.maDelegate : f.qaDelegate, {
        itemId: items[i >> 1],
        position: i % 2 === 0 ? 'approve' : 'reject',
      }),
    ),
  );
  return tally(answers);
}

/** `writers` clients each sending `each` progress reports on one commitment, spread over the instances. */
export async function writersWave(f: Fixture, writers = 50, each = 10): Promise<ContentionFigures> {
  const id = await propose(f);
  await startCommitment(f, id);
  const answers: Answer[] = [];
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let n = 0; n < each; n++) {
        answers.push(
          await post(`${f.urls[w % f.urls.length]}/commitments/${id}/progress`, f.ma, {
            percent: 50, // progress never goes back: the same figure keeps every report legal
            narrative: `writer ${w} report ${n}`,
          }),
        );
      }
    }),
  );
  return tally(answers);
}
