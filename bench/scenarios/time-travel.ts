/**
 * Scenario 4's time travel (issue 20, target 3): on the API of the large log, the p50 of
 * GET /commitments/{id}/state?revision= and ?asOf= on the 10,000-event commitment, at
 * revisions and instants spread over its stream, and of the agreement's dashboard ?asOf= at
 * instants spread over the whole log, each answered from the time-travel read model
 * (decision 0039) instead of a replay from the first event.
 */
import { call } from '../support/api-setup';
import type { ServerProcess } from '../support/processes';
import { AGREEMENT } from '../support/log-generator';
import type { Keys } from './commands';
import { SCENARIO, type BenchContext, type Store } from './context';

/** Revisions early in the stream, before much evidence: the answer is a few kilobytes. */
const SNAPSHOT_EVERY_HINT = 50;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.floor(sorted.length / 2)].toFixed(2));
};

async function timed(url: string, path: string, key: string): Promise<number> {
  const started = performance.now();
  await call(url, 'GET', path, key);
  return performance.now() - started;
}

export async function timeTravelReads(
  bench: BenchContext,
  store: Store,
  api: ServerProcess,
  keys: Keys,
  id: string,
  events: number,
): Promise<void> {
  const { config, add, say } = bench;
  const { json: head } = await call(api.url, 'GET', `/commitments/${id}/state`, keys.auditor);
  const last = Number(head.asOfRevision);
  const loads = Math.max(config.loads, 20);
  // Revisions and instants spread over the stream (never the same twice in a row).
  const revisions = Array.from({ length: loads }, (_, i) => Math.floor(((i * 7919) % loads) * (last / loads)));
  const instants: string[] = [];
  for (const revision of revisions) {
    const { json } = await call(
      api.url,
      'GET',
      `/commitments/${id}/events?fromRevision=${revision}&limit=1`,
      keys.auditor,
    );
    const [event] = json.items as { metadata: { occurredAt: string } }[];
    instants.push(event.metadata.occurredAt);
  }
  const byRevision: number[] = [];
  const byInstant: number[] = [];
  const dashboards: number[] = [];
  for (let i = 0; i < loads; i++) {
    byRevision.push(await timed(api.url, `/commitments/${id}/state?revision=${revisions[i]}`, keys.auditor));
    byInstant.push(
      await timed(api.url, `/commitments/${id}/state?asOf=${encodeURIComponent(instants[i])}`, keys.auditor),
    );
    dashboards.push(
      await timed(
        api.url,
        `/agreements/${AGREEMENT.agreementId}/dashboard?asOf=${encodeURIComponent(instants[i])}`,
        keys.auditor,
      ),
    );
  }
  // The same read at the stream's first revisions, where the answer is small: the floor of
  // the figures above, whose answers carry the evidence of half the stream on average.
  const early: number[] = [];
  for (let i = 0; i < loads; i++) {
    early.push(await timed(api.url, `/commitments/${id}/state?revision=${i % SNAPSHOT_EVERY_HINT}`, keys.auditor));
  }
  say(
    `  time travel p50: state?revision ${median(byRevision)} ms, state?asOf ${median(byInstant)} ms, ` +
      `dashboard?asOf ${median(dashboards)} ms; state?revision under ${SNAPSHOT_EVERY_HINT} ${median(early)} ms`,
  );
  const scenario = SCENARIO.load;
  add({
    scenario,
    store,
    metric: `GET /commitments/{id}/state?revision= (from the nearest snapshot): p50`,
    value: median(byRevision),
    unit: 'ms',
    target: '<= 5',
  });
  add({
    scenario,
    store,
    metric: `GET /commitments/{id}/state?asOf= (from the nearest snapshot): p50`,
    value: median(byInstant),
    unit: 'ms',
    target: '<= 5',
  });
  add({
    scenario,
    store,
    metric: `GET /commitments/{id}/state?revision= under ${SNAPSHOT_EVERY_HINT} (answers of a few KB): p50`,
    value: median(early),
    unit: 'ms',
  });
  add({
    scenario,
    store,
    metric: `GET /agreements/{id}/dashboard?asOf=, ${Math.round(events / 1000)}k-event log: p50`,
    value: median(dashboards),
    unit: 'ms',
    target: '<= 50',
  });
}
