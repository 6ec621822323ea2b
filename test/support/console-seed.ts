import type { ConsoleServer } from './browser';
import { MOROCCO_QATAR } from './test-app';

export interface Seeded {
  agreementId: string;
  keys: {
    secretariat: string;
    maIntegration: string;
    qaIntegration: string;
    maDelegate: string;
    qaDelegate: string;
    auditor: string;
  };
  /** Proposed, revised, approved by the committee, started, two progress reports: eight revisions. */
  unitId: string;
  /** Proposed by Qatar, deferred at the first session. */
  stadiumId: string;
  /** Proposed by Morocco, then withdrawn. */
  trainingId: string;
  /** Proposed by Qatar; not yet on any agenda. */
  borderId: string;
  /** The first session: closed, one decision and one deferral. */
  closedSessionId: string;
  /** The next session: scheduled, empty agenda (the suites run it). */
  nextSessionId: string;
}

/** Fails with what the API said when a seeding call is refused. */
async function ok(
  server: ConsoleServer,
  method: string,
  path: string,
  key: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<any> {
  const answer = await server.call(method, path, key, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/**
 * Waits until the commitment's read model shows this status: the committee's decisions are
 * applied to commitments by the process manager, as new events, after the session's command
 * is answered. Each read waits for a position (`after`), never a fixed sleep.
 */
export async function waitForStatus(server: ConsoleServer, key: string, id: string, status: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const view = await ok(server, 'GET', `/commitments/${id}`, key);
    if (view.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`commitment ${id} never reached ${status}`);
}

/** The Morocco–Qatar agreement with four commitments and a closed session, through the HTTP API. */
export async function seedAgreement(server: ConsoleServer): Promise<Seeded> {
  const keys = {
    secretariat: await server.key('secretariat', undefined, 'Committee secretariat'),
    maIntegration: await server.key('integration', 'MA', 'Morocco ministry integration'),
    qaIntegration: await server.key('integration', 'QA', 'Qatar ministry integration'),
    maDelegate: await server.key('delegate', 'MA', 'Moroccan delegation'),
    qaDelegate: await server.key('delegate', 'QA', 'Qatari delegation'),
    auditor: await server.key('auditor', undefined, 'Court of auditors'),
  };
  const agreement = await ok(server, 'POST', '/agreements', keys.secretariat, MOROCCO_QATAR);
  const agreementId: string = agreement.id;
  const propose = async (key: string, body: Record<string, unknown>) =>
    (await ok(server, 'POST', '/commitments', key, { agreementId, ...body })).id as string;

  const unitId = await propose(keys.maIntegration, {
    title: 'Joint cybercrime investigation unit',
    description: 'A joint unit and a 24/7 contact point for cybercrime cases.',
    domain: 'cybercrime',
    leadAgencies: ['DGSN'],
    dueDate: '2030-06-30',
  });
  await ok(server, 'POST', `/commitments/${unitId}/revise`, keys.maIntegration, {
    priority: 'high',
    dueDate: '2030-12-31',
  });
  const stadiumId = await propose(keys.qaIntegration, {
    title: 'Stadium security exchange programme',
    description: 'Officers from both sides work a season of matches together.',
    domain: 'stadium security',
    leadAgencies: ['Ministry of Interior'],
    dueDate: '2031-03-31',
  });
  const trainingId = await propose(keys.maIntegration, {
    title: 'Joint training in forensic accounting',
    description: 'Two courses a year for investigators of both parties.',
    domain: 'organised crime',
    leadAgencies: ['DGST'],
  });
  await ok(server, 'POST', `/commitments/${trainingId}/withdraw`, keys.maIntegration, {
    reason: 'Merged into another',
  });
  const borderId = await propose(keys.qaIntegration, {
    title: 'Shared watch list at border crossings',
    description: 'A common list of wanted persons, checked at every crossing.',
    domain: 'border security',
    leadAgencies: ['State Security'],
    dueDate: '2031-06-30',
  });

  const session = await ok(server, 'POST', '/sessions', keys.secretariat, {
    agreementId,
    scheduledFor: '2030-03-10T09:30:00Z',
    venue: 'Doha, Ministry of Interior',
  });
  const closedSessionId: string = session.id;
  const unitItem = await ok(server, 'POST', `/sessions/${closedSessionId}/agenda`, keys.secretariat, {
    commitmentId: unitId,
    kind: 'review',
  });
  await ok(server, 'POST', `/sessions/${closedSessionId}/agenda`, keys.secretariat, {
    commitmentId: stadiumId,
    kind: 'review',
  });
  await ok(server, 'POST', `/sessions/${closedSessionId}/open`, keys.secretariat, { attendance: ['MA', 'QA'] });
  for (const key of [keys.maDelegate, keys.qaDelegate]) {
    await ok(server, 'POST', `/sessions/${closedSessionId}/positions`, key, {
      itemId: unitItem.itemId,
      position: 'approve',
    });
  }
  await ok(server, 'POST', `/sessions/${closedSessionId}/close`, keys.secretariat, {});
  await waitForStatus(server, keys.auditor, unitId, 'approved');

  await ok(server, 'POST', `/commitments/${unitId}/start`, keys.maIntegration, {});
  await ok(server, 'POST', `/commitments/${unitId}/progress`, keys.maIntegration, {
    percent: 40,
    narrative: 'Contact points named on both sides.',
  });
  await ok(server, 'POST', `/commitments/${unitId}/progress`, keys.maIntegration, {
    percent: 70,
    narrative: 'The unit has handled its first twelve cases.',
    evidence: [{ title: 'Quarterly report', uri: 'https://docs.example.org/reports/2030-q3.pdf' }],
  });

  const next = await ok(server, 'POST', '/sessions', keys.secretariat, {
    agreementId,
    scheduledFor: '2030-09-15T09:00:00Z',
    venue: 'Rabat, Ministry of the Interior',
  });
  return { agreementId, keys, unitId, stadiumId, trainingId, borderId, closedSessionId, nextSessionId: next.id };
}
