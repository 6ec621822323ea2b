/**
 * The command load, on either store: the real API in a child process (workers on) on a
 * prepared store, progress reports from autocannon, and the figures of scenarios 1, 2 and 4.
 */
import { call, setUpOverHttp } from '../support/api-setup';
import { progressLoad, type LoadResult } from '../support/load';
import { runTask, startApi, walFileOf, type ServerProcess } from '../support/processes';
import { ADMIN_KEY, COMMITMENTS, CONNECTIONS, GROWTH, SCENARIO, size, type BenchContext, type Store } from './context';

/** What the prepare task says of the store it filled. */
export interface Prepared {
  readonly events: number;
  readonly commitmentIds: string[];
  readonly longCommitmentId?: string;
}

export interface Keys {
  readonly integration: string;
  readonly auditor: string;
}

/**
 * Waits until every read model and the process manager have caught up with the log (the
 * load must not compete with a catch-up: a generated log was never seen by the process
 * manager, which reads it all once at the API's first start).
 */
async function caughtUp(api: ServerProcess): Promise<void> {
  for (;;) {
    const { json } = await call(api.url, 'GET', '/projections', ADMIN_KEY);
    const items = json.items as { lag: number }[];
    const processManager = json.processManager as { lag: number };
    if (items.every((item) => item.lag === 0) && processManager.lag === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function keysFor(api: ServerProcess): Promise<Keys> {
  const key = async (role: string, party?: string) =>
    String((await call(api.url, 'POST', '/admin/keys', ADMIN_KEY, { name: `bench ${role}`, role, party })).json.key);
  return { integration: await key('integration', 'MA'), auditor: await key('auditor') };
}

/** Starts the API on a prepared store, waits for its read models, and runs the progress load. */
export async function commandLoad(
  bench: BenchContext,
  store: Store,
  url: string,
  initial: Prepared,
  after?: (api: ServerProcess, keys: Keys) => Promise<void>,
  script?: string,
): Promise<LoadResult> {
  const { config, say } = bench;
  let prepared = initial;
  const api = await startApi(url, ADMIN_KEY, {}, script);
  try {
    let keys = await keysFor(api);
    if (prepared.commitmentIds.length === 0) {
      // --http-setup: the commitments come through the public API, sessions and all.
      const started = performance.now();
      const fixture = await setUpOverHttp(api.url, ADMIN_KEY, COMMITMENTS);
      say(`  set up ${COMMITMENTS} commitments over HTTP in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      keys = { ...keys, integration: fixture.keys.integration };
      prepared = { ...prepared, commitmentIds: [...fixture.commitmentIds] };
    }
    await caughtUp(api);
    say(`  ${store}, ${size(prepared.events)} events in the store: ${config.loadSeconds} s of progress reports`);
    const result = await progressLoad({
      url: api.url,
      key: keys.integration,
      commitmentIds: prepared.commitmentIds,
      connections: CONNECTIONS,
      seconds: config.loadSeconds,
      warmUpSeconds: config.warmUpSeconds,
      serverPid: api.pid,
      walFile: walFileOf(url),
    });
    say(
      `  ${result.okPerSecond} commands/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
        `${result.non2xx} non-2xx, RSS ${result.serverRssPeakMb} MiB` +
        (result.walPeakMb === undefined ? '' : `, WAL peak ${result.walPeakMb} MiB`),
    );
    if (after) await after(api, keys);
    return result;
  } finally {
    await api.stop();
  }
}

export function addCommands(
  bench: BenchContext,
  store: Store,
  scenario: string,
  label: string,
  r: LoadResult,
  ceiling?: number,
): void {
  const { add } = bench;
  const primary = scenario === SCENARIO.commands;
  add({
    scenario,
    store,
    metric: `${label}: 2xx commands/s (${CONNECTIONS} connections)`,
    value: r.okPerSecond,
    unit: 'commands/s',
    ...(primary && store === 'sqlite' ? { target: '>= 5000' } : {}),
  });
  if (primary && ceiling !== undefined) {
    add({
      scenario,
      store,
      metric: `${label}: commands/s against the framework ceiling`,
      value: r.okPerSecond,
      unit: 'commands/s',
      target: '>= 0.5x limit',
      limit: ceiling,
      limitName: 'framework ceiling',
    });
  }
  add({
    scenario,
    store,
    metric: `${label}: p50 latency`,
    value: r.p50Ms,
    unit: 'ms',
  });
  add({
    scenario,
    store,
    metric: `${label}: p99 latency`,
    value: r.p99Ms,
    unit: 'ms',
    ...(primary && store === 'sqlite' ? { target: '<= 50' } : {}),
  });
  add({ scenario, store, metric: `${label}: non-2xx responses`, value: r.non2xx + r.errors, unit: 'responses' });
  add({ scenario, store, metric: `${label}: server RSS, peak during the run`, value: r.serverRssPeakMb, unit: 'MiB' });
  if (r.walPeakMb !== undefined) {
    add({
      scenario,
      store,
      metric: `${label}: SQLite WAL, peak during the run`,
      value: r.walPeakMb,
      unit: 'MiB',
      target: '<= 64',
      note: 'the size of the -wal file, sampled every 100 ms',
    });
  }
}

export function addGrowth(bench: BenchContext, store: Store, base: LoadResult, label: string, grown: LoadResult): void {
  const { add } = bench;
  add({
    scenario: SCENARIO.growth,
    store,
    metric: `${label}: p50 latency / empty store`,
    value: grown.p50Ms / base.p50Ms,
    unit: 'ratio',
    target: '<= 1.2',
  });
  add({
    scenario: SCENARIO.growth,
    store,
    metric: `${label}: p99 latency / empty store`,
    value: grown.p99Ms / base.p99Ms,
    unit: 'ratio',
    target: '<= 1.2',
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Scenario 4 on a running API: load the 10,000-event commitment over and over, one request at a time. */
export async function loadLongCommitment(
  bench: BenchContext,
  store: Store,
  api: ServerProcess,
  keys: Keys,
  id: string,
): Promise<void> {
  const { config, add } = bench;
  await caughtUp(api);
  const time = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const state: number[] = [];
  const command: number[] = [];
  for (let i = 0; i < config.loads; i++) {
    state.push(await time(() => call(api.url, 'GET', `/commitments/${id}/state`, keys.auditor)));
  }
  for (let i = 0; i < config.loads; i++) {
    command.push(
      await time(() =>
        call(api.url, 'POST', `/commitments/${id}/progress`, keys.integration, {
          percent: 100,
          narrative: 'Still going.',
        }),
      ),
    );
  }
  add({
    scenario: SCENARIO.load,
    store,
    metric: 'GET /commitments/{id}/state (replayed from the stream): p50',
    value: median(state),
    unit: 'ms',
  });
  add({
    scenario: SCENARIO.load,
    store,
    metric: 'a progress report on it (read, fold, decide, append): p50',
    value: median(command),
    unit: 'ms',
  });
}

/**
 * Scenarios 1 and 2 on one store: commands on an empty store, then on one with 10k events
 * already in it; `cleanUp` removes both stores. Resolves with the empty store's load, the
 * baseline of the large log's growth figures.
 */
export async function growthRuns(
  bench: BenchContext,
  store: Store,
  urlOf: (name: string) => string,
  cleanUp: () => Promise<void>,
  ceiling: number | undefined,
): Promise<LoadResult | undefined> {
  const { say, step } = bench;
  say(`${store}: commands over HTTP on an empty store, then with ${size(GROWTH)} events already in it`);
  const baseUrl = urlOf('base');
  const base = await step(`${store} commands, empty store`, async () => {
    // With --http-setup the store is left empty and the load sets its commitments up over HTTP.
    const commitments = bench.httpSetup ? '0' : String(COMMITMENTS);
    const prepared = await runTask<Prepared>(['prepare', baseUrl, '0', '0', commitments, '0']);
    return commandLoad(bench, store, baseUrl, prepared);
  });
  if (base) addCommands(bench, store, SCENARIO.commands, 'empty store', base, ceiling);
  const grownUrl = urlOf('growth_10k');
  const grown = await step(`${store} commands, ${size(GROWTH)} events`, async () => {
    const prepared = await runTask<Prepared>(['prepare', grownUrl, String(GROWTH), '0', String(COMMITMENTS), '0']);
    return commandLoad(bench, store, grownUrl, prepared);
  });
  if (grown) {
    addCommands(bench, store, SCENARIO.growth, `${size(GROWTH)} events`, grown);
    if (base) addGrowth(bench, store, base, `${size(GROWTH)} events`, grown);
  }
  await cleanUp();
  return base;
}
