import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_PG_URL } from '@accord/event-store-postgres/testing/postgres-test-database';
import { openEventStore } from '@accord/store-factory';
import { startApi, type ApiProcess } from './support/api-process';

const ADMIN = 'sigterm-admin-key-0123456789';
const CLIENTS = 32;

interface Outcome {
  readonly status?: number;
  readonly body?: string;
  readonly connection?: string;
  /** The error's code when no answer came: ECONNREFUSED (a new connection refused) or a reset. */
  readonly error?: string;
  readonly afterSignal: boolean;
}

/** One POST on a keep-alive agent, resolved with its answer or its error, never rejected. */
function post(api: ApiProcess, agent: Agent, path: string, body: unknown, key: string, afterSignal: () => boolean) {
  const data = JSON.stringify(body);
  const url = new URL(path, api.url);
  return new Promise<Outcome>((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            body: text,
            connection: res.headers.connection,
            afterSignal: afterSignal(),
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ error: error.code ?? error.message, afterSignal: afterSignal() }),
        );
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message, afterSignal: afterSignal() }),
    );
    req.end(data);
  });
}

/**
 * SIGTERM under load: 32 keep-alive clients post commands without pause, the API is told to
 * stop in the middle, and every request sent on an open connection gets its answer (no reset)
 * while every new connection is refused; every 201 is in the log afterwards. Before the fix,
 * closing the listener reset the connections queued behind it: 9 to 20 resets a run.
 */
describe('SIGTERM under load (the API process, on the real store)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-sigterm-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers every request it accepted, resets none, refuses new connections, and logs every 201', async () => {
    const storeUrl =
      process.env.ACCORD_TEST_STORE === 'postgres'
        ? `${TEST_PG_URL}?schema=accord_e2e_${process.env.ACCORD_TEST_RUN ?? 'local'}_${randomBytes(6).toString('hex')}`
        : `sqlite:${join(dir, 'accord.db')}`;
    const api = await startApi({ ACCORD_ADMIN_KEY: ADMIN, ACCORD_STORE: storeUrl }, dir);
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS + 1 });
    let signalled = false;
    const afterSignal = () => signalled;
    const json = async (outcome: Promise<Outcome>) => JSON.parse((await outcome).body ?? '{}');
    try {
      const secretariat = (
        await json(post(api, agent, '/admin/keys', { name: 's', role: 'secretariat' }, ADMIN, afterSignal))
      ).key;
      const ma = (
        await json(post(api, agent, '/admin/keys', { name: 'm', role: 'integration', party: 'MA' }, ADMIN, afterSignal))
      ).key;
      const agreement = {
        title: 'T',
        signedAt: '2014-03-12',
        signedIn: 'Rabat',
        parties: [
          { code: 'MA', name: 'Morocco', agencies: ['DGSN'] },
          { code: 'QA', name: 'Qatar', agencies: ['MOI'] },
        ],
        domains: ['cybercrime'],
      };
      const agreementId = (await json(post(api, agent, '/agreements', agreement, secretariat, afterSignal))).id;
      const proposal = { agreementId, title: 'x', description: 'y', domain: 'cybercrime', leadAgencies: ['DGSN'] };

      // An idle keep-alive connection, as a load balancer keeps: it must be closed, not waited on.
      const idle = new Agent({ keepAlive: true });
      expect((await post(api, idle, '/admin/keys', {}, 'wrong-key', afterSignal)).status).toBe(401);
      const idleClosed = new Promise<void>((resolve) => {
        for (const sockets of Object.values(idle.freeSockets))
          for (const socket of sockets ?? []) socket.once('close', resolve);
      });

      const outcomes: Outcome[] = [];
      // Mid-load: once the clients have had three answers each, on average.
      let midLoad!: () => void;
      const reachedMidLoad = new Promise<void>((resolve) => (midLoad = resolve));
      const client = async () => {
        for (;;) {
          const outcome = await post(api, agent, '/commitments', proposal, ma, afterSignal);
          outcomes.push(outcome);
          if (outcomes.length === CLIENTS * 3) midLoad();
          if (outcome.error) return;
        }
      };
      const clients = Array.from({ length: CLIENTS }, client);
      await reachedMidLoad;
      signalled = true;
      const exited = api.stop('SIGTERM');
      await Promise.all(clients);
      expect(await exited).toBe(0);
      await idleClosed;

      const errors = outcomes.filter((o) => o.error).map((o) => o.error);
      // Each client ends on its first error: a refused connection, never a reset.
      expect(errors).toEqual(Array(CLIENTS).fill('ECONNREFUSED'));
      expect(new Set(outcomes.filter((o) => !o.error).map((o) => o.status))).toEqual(new Set([201]));
      // The requests in flight at the signal were answered, and told to close their connection.
      const answeredAfter = outcomes.filter((o) => o.afterSignal && o.status === 201);
      expect(answeredAfter.length).toBeGreaterThan(0);
      expect(answeredAfter.some((o) => o.connection === 'close')).toBe(true);
      expect(api.lines.some((l) => l.includes('drained: every request answered'))).toBe(true);

      const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => JSON.parse(o.body!).id as string);
      const store = await openEventStore(storeUrl);
      try {
        const streams = new Set<string>();
        for (let after = 0; ;) {
          const page = await store.readAll({ after, maxCount: 1000 });
          if (page.length === 0) break;
          for (const event of page) if (event.type === 'CommitmentProposed') streams.add(event.streamId);
          after = page[page.length - 1].position;
        }
        expect(acknowledged.filter((id) => !streams.has(`commitment-${id}`))).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      agent.destroy();
      await api.stop('SIGKILL');
    }
  });
});
