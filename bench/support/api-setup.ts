import { randomUUID } from 'node:crypto';
import { AGREEMENT } from './log-generator';

/** What a load needs: keys, an agreement, and commitments in progress that the integration owns. */
export interface Fixture {
  readonly url: string;
  readonly keys: {
    readonly integration: string;
    readonly secretariat: string;
    readonly auditor: string;
    readonly delegates: Readonly<Record<string, string>>;
  };
  readonly agreementId: string;
  readonly commitmentIds: readonly string[];
}

export class HttpError extends Error {}

/** POST (or GET without a body) with a key; resolves with the JSON body, or throws on a status not in `ok`. */
export async function call(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  key: string,
  body?: unknown,
  ok: readonly number[] = [200, 201],
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!ok.includes(response.status)) throw new HttpError(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return { status: response.status, json: text ? JSON.parse(text) : {} };
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
}

const ITEMS_PER_SESSION = 100;

/**
 * Sets up `count` commitments in progress through the public API only, as a secretariat
 * and two delegations would: keys, an agreement, proposals, committee sessions of 100
 * review items each where both delegations approve, then the owner starts each one (once
 * the process manager has carried the decision to it).
 */
export async function setUpOverHttp(url: string, adminKey: string, count: number): Promise<Fixture> {
  const key = async (role: string, party?: string) =>
    String(
      (await call(url, 'POST', '/admin/keys', adminKey, { name: `bench ${role} ${party ?? ''}`, role, party })).json
        .key,
    );
  const keys = {
    integration: await key('integration', 'MA'),
    secretariat: await key('secretariat'),
    auditor: await key('auditor'),
    delegates: { MA: await key('delegate', 'MA'), QA: await key('delegate', 'QA') },
  };
  // The generated log's agreement, under a fresh id.
  const { agreementId: _generatedId, ...agreementBody } = AGREEMENT;
  const agreement = await call(url, 'POST', '/agreements', keys.secretariat, agreementBody);
  const agreementId = String(agreement.json.id);
  const commitmentIds = Array.from({ length: count }, () => randomUUID());
  await pool(commitmentIds, 16, async (id, i) => {
    await call(url, 'POST', '/commitments', keys.integration, {
      id,
      agreementId,
      title: `Joint cybercrime investigation unit ${i}`,
      description: 'Set up a joint unit and a 24/7 contact point for cybercrime cases.',
      domain: 'cybercrime',
      leadAgencies: ['DGSN'],
    });
  });

  // Sessions run side by side; within one, commands go one after the other (one stream).
  const groups: string[][] = [];
  for (let i = 0; i < count; i += ITEMS_PER_SESSION) groups.push(commitmentIds.slice(i, i + ITEMS_PER_SESSION));
  await pool(groups, 4, async (group) => {
    const session = await call(url, 'POST', '/sessions', keys.secretariat, {
      agreementId,
      scheduledFor: '2030-05-01T09:00:00Z',
      venue: 'Doha, Ministry of Interior',
    });
    const sessionId = String(session.json.id);
    const items: string[] = [];
    for (const commitmentId of group) {
      const added = await call(url, 'POST', `/sessions/${sessionId}/agenda`, keys.secretariat, {
        commitmentId,
        kind: 'review',
      });
      items.push(String(added.json.itemId));
    }
    await call(url, 'POST', `/sessions/${sessionId}/open`, keys.secretariat, { attendance: ['MA', 'QA'] });
    for (const itemId of items) {
      for (const party of ['MA', 'QA']) {
        await call(url, 'POST', `/sessions/${sessionId}/positions`, keys.delegates[party as 'MA' | 'QA'], {
          itemId,
          position: 'approve',
        });
      }
    }
    await call(url, 'POST', `/sessions/${sessionId}/close`, keys.secretariat, {});
  });

  // The process manager approves each commitment shortly after its decision: start it then.
  const deadline = Date.now() + 120_000;
  await pool(commitmentIds, 16, async (id) => {
    for (;;) {
      const started = await call(url, 'POST', `/commitments/${id}/start`, keys.integration, {}, [200, 422]);
      if (started.status === 200) return;
      if (Date.now() > deadline) throw new HttpError(`commitment ${id} was never approved`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  return { url, keys, agreementId, commitmentIds };
}
