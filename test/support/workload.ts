import { evolveCommitment, initialCommitmentState, type Commitment, type CommitmentEvent } from '@accord/commitments';
import { Workers } from '../../apps/api/src/workers/workers.module';
import { prng } from '@accord/event-store/testing/random-json';
import type { TestApp } from './test-app';

// The seeded generator of the event-store's random JSON (mulberry32): a failing run replays from its seed.
export { prng };

const AGREEMENTS = [
  {
    title: 'Morocco-Qatar security cooperation',
    parties: ['MA', 'QA'],
    domains: ['counter-terrorism', 'organised crime', 'cybercrime', 'border security', 'stadium security'],
  },
  {
    title: 'Three-party crisis management accord',
    parties: ['MA', 'QA', 'TN'],
    domains: ['crisis management', 'cybercrime'],
  },
];

const OPTIONS: Record<string, string[]> = {
  review: ['approve', 'reject', 'request_changes'],
  evaluation: ['achieved', 'partially_achieved', 'not_achieved'],
  extension: ['grant', 'deny'],
  suspension: ['grant', 'deny'],
  resumption: ['grant', 'deny'],
  reopening: ['grant', 'deny'],
};

const KIND_FOR: Record<string, string[]> = {
  proposed: ['review'],
  completed: ['evaluation'],
  approved: ['extension', 'suspension'],
  in_progress: ['extension', 'suspension'],
  suspended: ['resumption'],
  evaluated: ['reopening'],
};

export interface WorkloadStats {
  commands: number;
  accepted: number;
  refused: number;
  byStatus: Record<number, number>;
}

/**
 * Sends at least `target` random commands over HTTP: proposals, revisions, work, and
 * whole committee sessions with agreeing and disagreeing delegations. Most commands are
 * plausible for the commitment's state; about one in ten is not, on purpose.
 */
export async function runWorkload(t: TestApp, seed: number, target: number): Promise<WorkloadStats> {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const stats: WorkloadStats = { commands: 0, accepted: 0, refused: 0, byStatus: {} };
  const send = async (url: string, body: unknown, key: string) => {
    const response = await t.post(url, body, key);
    stats.commands++;
    stats.byStatus[response.statusCode] = (stats.byStatus[response.statusCode] ?? 0) + 1;
    if (response.statusCode >= 500) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    if (response.statusCode < 300) stats.accepted++;
    else stats.refused++;
    return response;
  };
  const workers = t.app.get(Workers);
  const settle = async () => {
    const head = (await t.store.readAll({ after: 0, maxCount: 1 })).length ? await lastPosition(t) : 0;
    await workers.processManager.waitFor(head, 10000);
  };

  const secretariat = await t.createKey('secretariat');
  const integration: Record<string, string> = {};
  const delegate: Record<string, string> = {};
  for (const party of ['MA', 'QA', 'TN']) {
    integration[party] = await t.createKey('integration', party);
    delegate[party] = await t.createKey('delegate', party);
  }
  const agreements: { id: string; parties: string[]; domains: string[] }[] = [];
  for (const a of AGREEMENTS) {
    const response = await send(
      '/agreements',
      {
        title: a.title,
        signedAt: '2014-03-11',
        signedIn: 'Rabat',
        parties: a.parties.map((code) => ({ code, name: `Party ${code}`, agencies: [`${code} police`] })),
        domains: a.domains,
      },
      secretariat,
    );
    agreements.push({ id: response.json().id, parties: a.parties, domains: a.domains });
  }
  const commitments: { id: string; agreement: (typeof agreements)[number]; owner: string }[] = [];
  const settledIds = new Set<string>();
  const stateOf = async (id: string): Promise<Commitment> =>
    (await t.store.readStream(`commitment-${id}`)).reduce(
      (state, e) => evolveCommitment(state, e as unknown as CommitmentEvent),
      initialCommitmentState,
    );

  while (stats.commands < target) {
    const roll = random();
    if (roll < 0.2 || commitments.length < 5) {
      const agreement = pick(agreements);
      const owner = pick(agreement.parties);
      const month = String(1 + Math.floor(random() * 12)).padStart(2, '0');
      const response = await send(
        '/commitments',
        {
          agreementId: agreement.id,
          title: `Commitment ${stats.commands}`,
          description: `Proposed by ${owner} at step ${stats.commands}.`,
          domain: random() < 0.05 ? 'not-a-domain' : pick(agreement.domains),
          leadAgencies: [`${owner} police`],
          ...(random() < 0.7 ? { dueDate: `20${30 + Math.floor(random() * 5)}-${month}-15` } : {}),
          ...(random() < 0.5 ? { priority: pick(['low', 'normal', 'high']) } : {}),
        },
        integration[owner],
      );
      if (response.statusCode === 201) commitments.push({ id: response.json().id, agreement, owner });
      continue;
    }
    if (roll < 0.35) {
      await runSession(pick(agreements));
      continue;
    }
    // Mostly commitments that can still move; now and then any, so refusals happen too.
    const live = random() < 0.85 ? commitments.filter((x) => !settledIds.has(x.id)) : commitments;
    const c = pick(live.length > 0 ? live : commitments);
    const state = await stateOf(c.id);
    if (['withdrawn', 'rejected', 'closed'].includes(state.status)) settledIds.add(c.id);
    const wrongParty = random() < 0.05;
    const key = integration[wrongParty ? pick(c.agreement.parties) : c.owner];
    const path = `/commitments/${c.id}`;
    switch (state.status) {
      case 'proposed':
      case 'changes_requested':
        if (random() < 0.15) await send(`${path}/withdraw`, { reason: 'No longer needed' }, key);
        else
          await send(
            `${path}/revise`,
            { title: `Revised ${stats.commands}`, priority: pick(['low', 'normal', 'high']) },
            key,
          );
        break;
      case 'approved':
        await send(`${path}/start`, {}, key);
        break;
      case 'in_progress': {
        const percent = Math.min(100, state.progress + Math.floor(random() * 40) - (random() < 0.1 ? 50 : 0));
        if (random() < 0.3)
          await send(
            `${path}/complete`,
            { summary: 'Done', evidence: [{ title: 'Report', uri: 'https://e.org/r' }] },
            key,
          );
        else
          await send(`${path}/progress`, { percent: Math.max(-1, percent), narrative: `Step ${stats.commands}` }, key);
        break;
      }
      case 'evaluated':
        await send(`${path}/close`, {}, random() < 0.9 ? secretariat : key);
        break;
      default:
        await send(`${path}/start`, {}, key); // mostly illegal: the refusal is part of the workload
    }
  }
  await settle();
  return stats;

  async function runSession(agreement: (typeof agreements)[number]): Promise<void> {
    await settle();
    const scheduled = await send(
      '/sessions',
      { agreementId: agreement.id, scheduledFor: '2027-05-01T09:00:00Z', venue: 'Doha' },
      secretariat,
    );
    const sessionId = scheduled.json().id;
    const candidates = commitments.filter((c) => c.agreement === agreement);
    const items: { itemId: string; kind: string }[] = [];
    for (let i = 0; i < 4 && candidates.length > 0; i++) {
      const c = pick(candidates);
      const state = await stateOf(c.id);
      const kinds = state.status === 'none' ? [] : (KIND_FOR[state.status] ?? []);
      const kind = kinds.length > 0 && random() < 0.9 ? pick(kinds) : pick(Object.keys(OPTIONS));
      const dueDate = state.status !== 'none' && state.dueDate ? state.dueDate : '2030-01-01';
      const proposedDueDate = `${Number(dueDate.slice(0, 4)) + 1}${dueDate.slice(4)}`;
      const response = await send(
        `/sessions/${sessionId}/agenda`,
        { commitmentId: c.id, kind, ...(kind === 'extension' ? { proposedDueDate } : {}) },
        secretariat,
      );
      if (response.statusCode === 200) items.push({ itemId: response.json().itemId, kind });
    }
    const attendance = random() < 0.9 ? agreement.parties : agreement.parties.slice(1);
    await send(`/sessions/${sessionId}/open`, { attendance }, secretariat);
    for (const item of items) {
      const agreed = pick(OPTIONS[item.kind]);
      for (const party of agreement.parties) {
        const position = random() < 0.8 ? agreed : pick(OPTIONS[item.kind]);
        await send(`/sessions/${sessionId}/positions`, { itemId: item.itemId, position }, delegate[party]);
      }
    }
    await send(`/sessions/${sessionId}/close`, {}, secretariat);
  }
}

export async function lastPosition(t: TestApp): Promise<number> {
  let after = 0;
  for (;;) {
    const page = await t.store.readAll({ after, maxCount: 5000 });
    if (page.length === 0) return after;
    after = page[page.length - 1].position;
  }
}
