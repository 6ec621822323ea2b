import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { chainEvents, digestLog, GENESIS_HASH } from '@accord/audit';
import type { AgreementEvent, CommitmentEvent } from '@accord/commitments';
import type { EventStore, NewEvent } from '@accord/event-store';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { foldCommitments, type ExpectedCommitment } from './support/independent-fold';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Heavy reads must not stall the other requests (issue 12, item 6): an as-of dashboard over
 * a log of 240,000 events, the state of an 80,000-event commitment and the first digest each
 * take far longer than a request may hold the event loop. While each runs, the loop's delay
 * is sampled and /health is asked every 10 ms. Read in one go, the worst block is the whole
 * request and no /health is answered until it ends; read in slices, the worst block is a
 * small part of it and /health answers throughout. No wall-time bound: the machine is shared.
 */

const AGREEMENT = randomUUID();
const OTHER_AGREEMENT = randomUUID();
const DOMAINS = ['counter-terrorism', 'organised crime', 'cybercrime', 'border security'];
const COMMITMENTS = 400;
const STREAM_LENGTH = 400;
const LONG_STREAM = 80_000;
const CHUNK = 50;

/** A clock a second an event: the log's order is its instants' order. */
const clock = { ms: Date.UTC(2026, 0, 1) };
const tick = () => new Date((clock.ms += 1000)).toISOString();

function toNew(event: CommitmentEvent | AgreementEvent, occurredAt: string): NewEvent {
  return { id: randomUUID(), type: event.type, data: event.data, metadata: { occurredAt } };
}

/** One commitment's life, event by event: proposed, approved, started, progress; some fall overdue, some end. */
function lifeOf(commitmentId: string, agreementId: string, i: number, length: number) {
  const dueDate = `2026-0${1 + (i % 9)}-15`;
  return (revision: number): CommitmentEvent => {
    const data = { commitmentId };
    if (revision === 0) {
      return {
        type: 'CommitmentProposed',
        data: {
          ...data,
          agreementId,
          title: `Commitment ${i}`,
          description: 'Joint work under the agreement.',
          domain: DOMAINS[i % DOMAINS.length],
          leadAgencies: ['DGSN'],
          dueDate,
          priority: 'normal',
          proposingParty: i % 3 === 0 ? 'QA' : 'MA',
        },
      };
    }
    if (revision === 1)
      return { type: 'CommitmentApproved', data: { ...data, sessionId: null, decisionId: null, note: null } };
    if (revision === 2) return { type: 'CommitmentStarted', data };
    if (revision === Math.floor(length / 2) && i % 4 === 1)
      return { type: 'CommitmentBecameOverdue', data: { ...data, dueDate } };
    if (revision === length - 1 && i % 5 === 2) {
      return { type: 'CommitmentCompleted', data: { ...data, summary: 'Done.', evidence: [] } };
    }
    return {
      type: 'ProgressReported',
      data: {
        ...data,
        percent: Math.min(99, Math.floor((revision * 100) / length)),
        narrative: 'Going.',
        evidence: [],
      },
    };
  };
}

interface Stream {
  readonly id: string;
  readonly agreementId: string;
  readonly next: (revision: number) => CommitmentEvent;
  readonly length: number;
  revision: number;
  hash: string;
}

/** The next `count` events of a stream, chained as the command path chains them, appended. */
async function appendNext(store: EventStore, stream: Stream, count: number): Promise<void> {
  const streamId = `commitment-${stream.id}`;
  const events = Array.from({ length: count }, (_, i) => toNew(stream.next(stream.revision + 1 + i), tick()));
  const chained = chainEvents(streamId, stream.revision + 1, stream.hash, events);
  const expectedRevision = stream.revision < 0 ? 'no_stream' : stream.revision;
  stream.revision += count;
  stream.hash = String(chained.at(-1)!.metadata!.hash);
  await store.append(streamId, chained, { expectedRevision });
}

/** Writes the log straight into the store: two agreements, a long commitment, then streams interleaved. */
async function writeLog(file: string): Promise<{ streams: Stream[]; long: Stream; middle: string }> {
  const store = await SqliteEventStore.open(file);
  try {
    for (const agreementId of [AGREEMENT, OTHER_AGREEMENT]) {
      const registered: AgreementEvent = {
        type: 'AgreementRegistered',
        data: {
          agreementId,
          title: 'Security cooperation',
          signedAt: '2014-03-12',
          signedIn: 'Rabat',
          parties: [
            { code: 'MA', name: 'Kingdom of Morocco', agencies: ['DGSN'] },
            { code: 'QA', name: 'State of Qatar', agencies: ['Ministry of Interior'] },
          ],
          domains: DOMAINS,
        },
      };
      const streamId = `agreement-${agreementId}`;
      await store.append(streamId, chainEvents(streamId, 0, GENESIS_HASH, [toNew(registered, tick())]));
    }
    const stream = (i: number, agreementId: string, length: number): Stream => {
      const id = randomUUID();
      return { id, agreementId, next: lifeOf(id, agreementId, i, length), length, revision: -1, hash: GENESIS_HASH };
    };
    const long = stream(COMMITMENTS, AGREEMENT, LONG_STREAM);
    while (long.revision < LONG_STREAM - 1) await appendNext(store, long, 1000);
    // A quarter of the commitments belong to the other agreement: the replay must skip them.
    const streams = Array.from({ length: COMMITMENTS }, (_, i) =>
      stream(i, i % 4 === 3 ? OTHER_AGREEMENT : AGREEMENT, STREAM_LENGTH),
    );
    let middle = '';
    for (let round = 0; round < STREAM_LENGTH / CHUNK; round++) {
      if (round === STREAM_LENGTH / CHUNK / 2) middle = new Date(clock.ms).toISOString();
      await Promise.all(streams.map((s) => appendNext(store, s, CHUNK)));
    }
    return { streams: [long, ...streams], long, middle };
  } finally {
    await store.close();
  }
}

interface Measured {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
  /** The request's whole duration. */
  readonly ms: number;
  /** The worst event-loop delay seen while it ran: the longest the loop was held. */
  readonly worstBlockMs: number;
  /** /health requests sent after it started and answered 200 before it ended. */
  readonly healthAnswered: number;
}

async function measured(t: TestApp, url: string, key: string): Promise<Measured> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  const probes: Promise<void>[] = [];
  let healthAnswered = 0;
  let ended = Number.POSITIVE_INFINITY;
  histogram.enable();
  // It measures from its first tick on: let it tick before the request starts.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = performance.now();
  const timer = setInterval(() => {
    probes.push(
      t.request({ method: 'GET', url: '/health' }).then((health) => {
        if (health.statusCode === 200 && performance.now() < ended) healthAnswered++;
      }),
    );
  }, 10);
  try {
    const response = await t.request({ method: 'GET', url, key });
    ended = performance.now();
    // The monitor records a block when its timer next fires: give it that turn.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return {
      statusCode: response.statusCode,
      body: response.json(),
      ms: ended - started,
      worstBlockMs: histogram.max / 1e6,
      healthAnswered,
    };
  } finally {
    clearInterval(timer);
    histogram.disable();
    await Promise.all(probes);
  }
}

/** Whether the request ran in slices: its worst block a small part of it, /health answered meanwhile. */
function expectSliced(run: Measured): void {
  expect(run.statusCode).toBe(200);
  expect(run.worstBlockMs).toBeLessThan(run.ms / 4);
  expect(run.healthAnswered).toBeGreaterThanOrEqual(3);
}

const byText = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;

describe('heavy reads in slices', () => {
  let t: TestApp;
  let dir: string;
  let auditor: string;
  let log: Awaited<ReturnType<typeof writeLog>>;

  /** A commitment as it stood at `asOfMs`, folded independently from its stream. */
  async function foldedAt(stream: Stream, asOfMs: number): Promise<ExpectedCommitment | undefined> {
    const events = (await t.store.readStream(`commitment-${stream.id}`)).filter(
      (e) => Date.parse(String(e.metadata.occurredAt)) <= asOfMs,
    );
    return foldCommitments(events).get(stream.id);
  }

  /** The dashboard GetDashboardHandler's queries would give at `asOf`, from the independent fold. */
  async function expectedDashboard(asOf: string) {
    const asOfMs = Date.parse(asOf);
    const counts = new Map<string, { status: string; domain: string; party: string; count: number }>();
    const overdue: Record<string, unknown>[] = [];
    for (const stream of log.streams.filter((s) => s.agreementId === AGREEMENT)) {
      const c = await foldedAt(stream, asOfMs);
      if (!c) continue;
      const key = JSON.stringify([c.status, c.domain, c.proposingParty]);
      const group = counts.get(key) ?? { status: c.status, domain: c.domain, party: c.proposingParty, count: 0 };
      group.count++;
      counts.set(key, group);
      if (c.overdue) {
        overdue.push({
          id: c.id,
          title: c.title,
          domain: c.domain,
          party: c.proposingParty,
          dueDate: c.dueDate,
          status: c.status,
        });
      }
    }
    let position = 0;
    for (let after = 0; ;) {
      const page = await t.store.readAll({ after, maxCount: 10_000 });
      const within = page.filter((e) => Date.parse(String(e.metadata.occurredAt)) <= asOfMs);
      if (within.length > 0) position = within.at(-1)!.position;
      if (page.length === 0 || within.length < page.length) break;
      after = page.at(-1)!.position;
    }
    return {
      agreementId: AGREEMENT,
      position,
      counts: [...counts.values()].sort(
        (a, b) => byText(a.status, b.status) || byText(a.domain, b.domain) || byText(a.party, b.party),
      ),
      overdue: overdue.sort(
        (a, b) => byText(a.dueDate as string, b.dueDate as string) || byText(a.id as string, b.id as string),
      ),
      awaitingPositions: {},
      asOf,
    };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-event-loop-'));
    const file = join(dir, 'accord.db');
    log = await writeLog(file);
    t = await startTestApp({ dir, storeUrl: `sqlite:${file}`, workers: false });
    auditor = await t.createKey('auditor');
  }, 300_000);

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays the as-of dashboard over 240,000 events in slices, with the answer of the whole fold', async () => {
    const end = new Date(clock.ms).toISOString();
    const run = await measured(t, `/agreements/${AGREEMENT}/dashboard?asOf=${encodeURIComponent(end)}`, auditor);
    expectSliced(run);
    expect(run.body).toEqual(await expectedDashboard(end));
    expect((run.body.overdue as unknown[]).length).toBeGreaterThan(0);

    // Cut in the middle of the log: the same answer as folding the events up to then.
    const middle = await t.request({
      method: 'GET',
      url: `/agreements/${AGREEMENT}/dashboard?asOf=${encodeURIComponent(log.middle)}`,
      key: auditor,
    });
    expect(middle.json()).toEqual(await expectedDashboard(log.middle));
  }, 120_000);

  it("reads an 80,000-event commitment's state in slices", async () => {
    const run = await measured(t, `/commitments/${log.long.id}/state`, auditor);
    expectSliced(run);
    const folded = await foldedAt(log.long, Number.POSITIVE_INFINITY);
    expect(run.body).toEqual({ ...folded, asOfRevision: LONG_STREAM - 1 });
  }, 120_000);

  it('digests the whole log in slices on the first request, as digestLog does in one go', async () => {
    const run = await measured(t, '/audit/digest', auditor);
    expectSliced(run);
    expect(run.body).toEqual(await digestLog(t.store));
    expect(run.body.count).toBe(2 + LONG_STREAM + COMMITMENTS * STREAM_LENGTH);
  }, 120_000);
});
