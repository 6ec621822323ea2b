/**
 * `npm run bench` (`-- --quick` for a smaller scale in under 2 minutes): what users feel,
 * on SQLite and on PostgreSQL, beside a peer (emmett) and the machine's limits, in one run.
 * Writes bench/results/<timestamp>.json (one entry per figure) and prints a table.
 *
 *  1. commands over HTTP: autocannon, 64 connections, progress reports across 1,000
 *     commitments, against the real API in a child process (workers on);
 *  2. growth: the same with 10k and with 1M events already in the store;
 *  3. rebuild of every read model over the 1M-event log, in a child process (peak RSS);
 *  4. loading a commitment of 10,000 events (GET /commitments/{id}/state, and a command on it);
 *  5. audit verify of the 1M-event log;
 *  6. the same append, read and rebuild workloads on emmett's SQLite and PostgreSQL stores;
 *  7. the limits: fsync, raw better-sqlite3 and pg, and the framework's ceiling.
 *  8. the event loop while heavy reads and hostile bodies run (bench/event-loop.bench.ts).
 *
 * The 1M-event SQLite log (with its read models) is generated once through the real
 * deciders and kept in $ACCORD_BENCH_CACHE (default <tmp>/accord-bench-cache); each run
 * works on a copy. PostgreSQL runs in schemas of its own in $ACCORD_BENCH_PG_URL (default
 * the test database), dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventLoopFigures } from './event-loop.bench';
import { copyToDisk } from './support/copy-to-disk';
import { call, setUpOverHttp } from './support/api-setup';
import { format, meets, ordered, shortfall, table, type Figure } from './support/figures';
import { progressLoad, type LoadResult } from './support/load';
import { describeMachine } from './support/machine';
import { DIST, runTask, startApi, startServer, type ServerProcess } from './support/processes';
import { dropSchemas, WORKLOADS } from './peer';
import { fsyncRate, rawPostgres, rawSqlite } from './limits';
import { locksBench, locksFigures } from './locks.bench';
import type { PeerFigure } from './peer';

const QUICK = process.argv.includes('--quick');
const SKIP_PG = process.argv.includes('--no-postgres');
const HTTP_SETUP = process.argv.includes('--http-setup');

const CONFIG = QUICK
  ? { loadSeconds: 4, warmUpSeconds: 1, large: 30_000, peerEvents: 11_000, limitMs: 500, loads: 10, appendMs: 500 }
  : {
      loadSeconds: 20,
      warmUpSeconds: 2,
      large: 1_000_000,
      peerEvents: 15_000,
      limitMs: 2000,
      loads: 20,
      appendMs: 1500,
    };
const CONNECTIONS = 64;
const COMMITMENTS = 1000;
const LONG_STREAM = 10_000;
const GROWTH = 10_000;
const ADMIN_KEY = `bench-admin-${randomBytes(12).toString('hex')}`;
const PG_URL = process.env.ACCORD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Bump when the generated log changes shape, so that old caches are not reused. */
const CACHE_VERSION = 2;

const began = performance.now();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0)} s`;
const say = (message: string): void => void process.stderr.write(`[${elapsed().padStart(5)}] ${message}\n`);

const figures: Figure[] = [];
const add = (figure: Figure): void => void figures.push(figure);
type Store = 'sqlite' | 'postgres';
const SCENARIO = {
  commands: '1 commands over HTTP',
  growth: '2 growth',
  rebuild: '3 projection rebuild',
  load: '4 load a 10,000-event commitment',
  verify: '5 audit verify',
  peer: '6 peer',
  limits: '7 limits',
};
const size = (n: number) =>
  n >= 1_000_000 ? `${Math.round(n / 100_000) / 10}M` : n >= 1000 ? `${Math.round(n / 1000)}k` : String(n);

interface Prepared {
  readonly events: number;
  readonly commitmentIds: string[];
  readonly longCommitmentId?: string;
}

/** The pre-built large SQLite log: generated once through the deciders, its read models built, then reused. */
async function largeSqliteLog(cacheDir: string): Promise<{ file: string; meta: Prepared; rebuilt?: RebuildResult }> {
  const file = join(cacheDir, `log-${size(CONFIG.large)}-v${CACHE_VERSION}.db`);
  const metaFile = `${file}.json`;
  if (existsSync(file) && existsSync(metaFile)) {
    say(`reusing the ${size(CONFIG.large)}-event log in ${file}`);
    return { file, meta: JSON.parse(readFileSync(metaFile, 'utf8')) };
  }
  mkdirSync(cacheDir, { recursive: true });
  const building = `${file}.building`;
  rmSync(building, { force: true });
  say(`generating a ${size(CONFIG.large)}-event log through the deciders (once; kept in ${cacheDir})`);
  const meta = await runTask<Prepared>(
    [
      'prepare',
      `sqlite:${building}`,
      String(CONFIG.large - 4 * COMMITMENTS),
      String(LONG_STREAM),
      String(COMMITMENTS),
      '0',
    ],
    { onLine: (line) => say(line.trim()) },
  );
  say(`building its read models (scenario 3 on SQLite)`);
  const rebuilt = await rebuild(`sqlite:${building}`);
  for (const suffix of ['-wal', '-shm']) rmSync(building + suffix, { force: true });
  copyToDisk(building, file);
  rmSync(building, { force: true });
  writeFileSync(
    metaFile,
    JSON.stringify({ events: meta.events, commitmentIds: meta.commitmentIds, longCommitmentId: meta.longCommitmentId }),
  );
  return { file, meta, rebuilt };
}

interface RebuildResult {
  events: number;
  projections: { name: string; ms: number }[];
  totalMs: number;
  peakRssMb: number;
}

const rebuild = (url: string) => runTask<RebuildResult>(['rebuild', url]);

function addRebuild(store: Store, result: RebuildResult): void {
  const perSecond = (ms: number) => Math.round((result.events * 1000) / ms);
  add({
    scenario: SCENARIO.rebuild,
    store,
    metric: `all 4 read models, ${size(result.events)} events, in one pass (accord projections rebuild all)`,
    value: perSecond(result.totalMs),
    unit: 'events/s',
    ...(store === 'sqlite' ? { target: '>= 100000' } : {}),
  });
  add({
    scenario: SCENARIO.rebuild,
    store,
    metric: 'peak RSS of the rebuild process',
    value: result.peakRssMb,
    unit: 'MiB',
  });
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

async function keysFor(api: ServerProcess): Promise<{ integration: string; auditor: string }> {
  const key = async (role: string, party?: string) =>
    String((await call(api.url, 'POST', '/admin/keys', ADMIN_KEY, { name: `bench ${role}`, role, party })).json.key);
  return { integration: await key('integration', 'MA'), auditor: await key('auditor') };
}

/** Starts the API on a prepared store, waits for its read models, and runs the progress load. */
async function commandLoad(
  store: Store,
  url: string,
  initial: Prepared,
  after?: (api: ServerProcess, keys: { integration: string; auditor: string }) => Promise<void>,
): Promise<LoadResult> {
  let prepared = initial;
  const api = await startApi(url, ADMIN_KEY);
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
    say(`  ${store}, ${size(prepared.events)} events in the store: ${CONFIG.loadSeconds} s of progress reports`);
    const result = await progressLoad({
      url: api.url,
      key: keys.integration,
      commitmentIds: prepared.commitmentIds,
      connections: CONNECTIONS,
      seconds: CONFIG.loadSeconds,
      warmUpSeconds: CONFIG.warmUpSeconds,
      serverPid: api.pid,
    });
    say(
      `  ${result.okPerSecond} commands/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
        `${result.non2xx} non-2xx, RSS ${result.serverRssPeakMb} MiB`,
    );
    if (after) await after(api, keys);
    return result;
  } finally {
    await api.stop();
  }
}

function addCommands(store: Store, scenario: string, label: string, r: LoadResult, ceiling?: number): void {
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
}

function addGrowth(store: Store, base: LoadResult, label: string, grown: LoadResult): void {
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
async function loadLongCommitment(
  store: Store,
  api: ServerProcess,
  keys: { integration: string; auditor: string },
  id: string,
) {
  await caughtUp(api);
  const time = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const state: number[] = [];
  const command: number[] = [];
  for (let i = 0; i < CONFIG.loads; i++) {
    state.push(await time(() => call(api.url, 'GET', `/commitments/${id}/state`, keys.auditor)));
  }
  for (let i = 0; i < CONFIG.loads; i++) {
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

async function verify(store: Store, url: string, events: number): Promise<void> {
  const workers = Math.min(8, availableParallelism());
  const r = await runTask<{ events: number; ms: number }>(['verify', url, String(workers)]);
  add({
    scenario: SCENARIO.verify,
    store,
    metric: `accord audit verify, ${size(events)} events, ${workers} worker threads (the CLI's default)`,
    value: Math.round((r.events * 1000) / r.ms),
    unit: 'events/s',
    target: '>= 200000',
  });
}

async function postgresVersion(): Promise<string | undefined> {
  const client = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0].server_version}`;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'accord-bench-'));
  const cacheDir = process.env.ACCORD_BENCH_CACHE ?? join(tmpdir(), 'accord-bench-cache');
  const postgres = SKIP_PG ? undefined : await postgresVersion();
  const machineAtStart = describeMachine(dir, postgres);
  say(
    `accord bench${QUICK ? ' --quick' : ''}: ${machineAtStart.cpu}, ${machineAtStart.cores} cores, load ${machineAtStart.loadAverage.join(' ')}`,
  );
  if (!postgres)
    say(
      SKIP_PG
        ? 'PostgreSQL skipped (--no-postgres)'
        : `PostgreSQL at ${PG_URL} does not answer: its scenarios are skipped`,
    );
  const run = Date.now().toString(36);
  const schemas: string[] = [];
  const pgUrl = (name: string) => {
    const schema = `accord_bench_${run}_${name}`;
    schemas.push(schema);
    return `${PG_URL}?schema=${schema}`;
  };
  const skipped: string[] = [];
  /** One part of the run: a failure is reported with the results, not fatal to the rest. */
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      const message = (error as Error).message.split('\n').slice(0, 3).join(' / ');
      say(`FAILED: ${name}: ${message}`);
      skipped.push(`${name} failed: ${message}`);
      return undefined;
    }
  };
  try {
    // 7. The limits first, while nothing else of ours runs.
    say('limits: fsync, raw better-sqlite3, raw pg');
    const fsync = fsyncRate(dir, CONFIG.limitMs);
    const sqliteRaw = rawSqlite(dir, CONFIG.limitMs);
    const pgRaw = postgres ? await step('raw pg', () => rawPostgres(PG_URL, CONFIG.limitMs)) : undefined;
    add({
      scenario: SCENARIO.limits,
      store: 'none',
      metric: 'disk: write + fsync of 512 B',
      value: fsync,
      unit: 'fsyncs/s',
    });

    say('limits: the framework ceiling (NestJS on Fastify, same auth and validation, answering from memory)');
    const ceiling = await step('framework ceiling', async () => {
      const key = `acc_${randomBytes(32).toString('base64url')}`;
      const server = await startServer(join(DIST, 'bench', 'framework-ceiling.js'), { ACCORD_BENCH_KEY: key });
      try {
        return await progressLoad({
          url: server.url,
          key,
          commitmentIds: Array.from(
            { length: COMMITMENTS },
            (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          ),
          connections: CONNECTIONS,
          seconds: CONFIG.loadSeconds,
          warmUpSeconds: CONFIG.warmUpSeconds,
          serverPid: server.pid,
        });
      } finally {
        await server.stop();
      }
    });
    if (ceiling) {
      say(`  ceiling: ${ceiling.okPerSecond} requests/s, p50 ${ceiling.p50Ms} ms, p99 ${ceiling.p99Ms} ms`);
      add({
        scenario: SCENARIO.limits,
        store: 'none',
        metric: `framework ceiling: requests/s (${CONNECTIONS} connections)`,
        value: ceiling.okPerSecond,
        unit: 'requests/s',
      });
      add({
        scenario: SCENARIO.limits,
        store: 'none',
        metric: 'framework ceiling: p50 latency',
        value: ceiling.p50Ms,
        unit: 'ms',
      });
      add({
        scenario: SCENARIO.limits,
        store: 'none',
        metric: 'framework ceiling: p99 latency',
        value: ceiling.p99Ms,
        unit: 'ms',
      });
    }

    // 1-5, on each store: an empty store and one of 10k events, then the large log.
    const growthRuns = async (store: Store, urlOf: (name: string) => string, cleanUp: () => Promise<void>) => {
      say(`${store}: commands over HTTP on an empty store, then with ${size(GROWTH)} events already in it`);
      const baseUrl = urlOf('base');
      const base = await step(`${store} commands, empty store`, async () => {
        // With --http-setup the store is left empty and the load sets its commitments up over HTTP.
        const commitments = HTTP_SETUP ? '0' : String(COMMITMENTS);
        const prepared = await runTask<Prepared>(['prepare', baseUrl, '0', '0', commitments, '0']);
        return commandLoad(store, baseUrl, prepared);
      });
      if (base) addCommands(store, SCENARIO.commands, 'empty store', base, ceiling?.okPerSecond);
      const grownUrl = urlOf('growth_10k');
      const grown = await step(`${store} commands, ${size(GROWTH)} events`, async () => {
        const prepared = await runTask<Prepared>(['prepare', grownUrl, String(GROWTH), '0', String(COMMITMENTS), '0']);
        return commandLoad(store, grownUrl, prepared);
      });
      if (grown) {
        addCommands(store, SCENARIO.growth, `${size(GROWTH)} events`, grown);
        if (base) addGrowth(store, base, `${size(GROWTH)} events`, grown);
      }
      await cleanUp();
      return base;
    };
    const sqliteFile = (name: string) => `sqlite:${join(dir, `${name}.db`)}`;
    const removeSqlite = async () => {
      for (const f of readdirSync(dir)) if (/\.db(-wal|-shm)?$/.test(f)) rmSync(join(dir, f), { force: true });
    };
    const sqliteBase = await growthRuns('sqlite', sqliteFile, removeSqlite);

    say(`sqlite: the ${size(CONFIG.large)}-event log`);
    const large = await step(`the ${size(CONFIG.large)}-event log`, () => largeSqliteLog(cacheDir));
    if (large) {
      const sqliteLarge = join(dir, 'large.db');
      copyToDisk(large.file, sqliteLarge);
      const loaded = await step(`sqlite commands, ${size(CONFIG.large)} events`, () =>
        commandLoad('sqlite', `sqlite:${sqliteLarge}`, large.meta, (api, keys) =>
          loadLongCommitment('sqlite', api, keys, large.meta.longCommitmentId!),
        ),
      );
      if (loaded) {
        addCommands('sqlite', SCENARIO.growth, `${size(CONFIG.large)} events`, loaded);
        if (sqliteBase) addGrowth('sqlite', sqliteBase, `${size(CONFIG.large)} events`, loaded);
      }
      say('sqlite: the event loop while heavy reads and hostile bodies run');
      const loop = await step('sqlite event loop', () =>
        eventLoopFigures({ url: `sqlite:${sqliteLarge}`, log: large.meta, adminKey: ADMIN_KEY, quick: QUICK, say }),
      );
      for (const figure of loop ?? []) add(figure);
      say(`sqlite: rebuild every read model over ${size(large.meta.events)} events`);
      const rebuilt = large.rebuilt ?? (await step('sqlite rebuild', () => rebuild(`sqlite:${sqliteLarge}`)));
      if (rebuilt) addRebuild('sqlite', rebuilt);
      say('sqlite: audit verify');
      await step('sqlite verify', () => verify('sqlite', `sqlite:${sqliteLarge}`, large.meta.events));
      await removeSqlite();
    }

    if (postgres) {
      const dropAll = () => dropSchemas(PG_URL, schemas.splice(0));
      const pgBase = await growthRuns('postgres', pgUrl, dropAll);
      if (large) {
        say(`postgres: the ${size(CONFIG.large)}-event log, copied in through the store API`);
        const pgLarge = pgUrl('large');
        const copied = await step(`postgres copy of the ${size(CONFIG.large)}-event log`, () =>
          runTask(['copy', `sqlite:${large.file}`, pgLarge], { onLine: (line) => say(line.trim()) }),
        );
        if (copied) {
          say(`postgres: rebuild every read model over ${size(large.meta.events)} events`);
          const rebuilt = await step('postgres rebuild', () => rebuild(pgLarge));
          if (rebuilt) addRebuild('postgres', rebuilt);
          const loaded = await step(`postgres commands, ${size(CONFIG.large)} events`, () =>
            commandLoad('postgres', pgLarge, large.meta, (api, keys) =>
              loadLongCommitment('postgres', api, keys, large.meta.longCommitmentId!),
            ),
          );
          if (loaded) {
            addCommands('postgres', SCENARIO.growth, `${size(CONFIG.large)} events`, loaded);
            if (pgBase) addGrowth('postgres', pgBase, `${size(CONFIG.large)} events`, loaded);
          }
          say('postgres: audit verify');
          await step('postgres verify', () => verify('postgres', pgLarge, large.meta.events));
        }
        await dropAll();
      }
    } else {
      skipped.push('PostgreSQL scenarios (no server)');
    }

    // Idempotency-Key under SQLite's locks, one process and two on one file (bench/locks.bench.ts).
    say('sqlite: 8 connections with and without Idempotency-Key, one process, then two on one file');
    const locks = await step('sqlite locks', () =>
      locksBench({ seconds: Math.max(3, CONFIG.loadSeconds / 4), warmUpSeconds: 1, say }),
    );
    for (const figure of locksFigures(locks ?? [])) add(figure);

    // 6. The peer, in a child process (emmett's SQLite store logs its errors to stdout).
    say(`peer: the same workloads on accord and emmett, ${size(CONFIG.peerEvents)} events each`);
    const peer = await step('peer', () =>
      runTask<{ figures: PeerFigure[] }>(
        ['peer', dir, postgres ? PG_URL : '', String(CONFIG.peerEvents), String(CONFIG.appendMs)],
        { onLine: (line) => (line.startsWith('  ') ? say(line.trim()) : undefined) },
      ),
    );
    for (const p of peer?.figures ?? []) {
      add({
        scenario: SCENARIO.peer,
        store: p.store,
        metric: WORKLOADS[p.workload as keyof typeof WORKLOADS],
        value: p.accord,
        unit: 'events/s',
        peer: p.emmett,
        target: '>= 1x peer',
        ...(p.note ? { note: p.note } : {}),
      });
    }

    // 7. accord beside the raw drivers, on the same rows.
    const accordOf = (store: Store, workload: string) =>
      peer?.figures.find((p) => p.store === store && p.workload === workload)?.accord ?? null;
    const limitRows: [Store, string, string, number | undefined, string][] = [
      ['sqlite', 'append-1', 'append 1 event, 1 writer', sqliteRaw.insert1, 'raw better-sqlite3, 1 row a commit'],
      ['sqlite', 'append-1', 'append 1 event, 1 writer, against fsync', fsync, 'disk fsyncs/s'],
      ['sqlite', 'append-64', 'append 1 event, 64 writers, against fsync', fsync, 'disk fsyncs/s'],
      [
        'sqlite',
        'append-100',
        'append 100-event batches',
        sqliteRaw.insert100,
        'raw better-sqlite3, 100 rows a commit',
      ],
      ['sqlite', 'read-all', 'read the global log', sqliteRaw.readAll, 'raw better-sqlite3 SELECT + JSON.parse'],
      ['postgres', 'append-1', 'append 1 event, 1 writer', pgRaw?.insert1, 'raw pg, 1 row a commit'],
      ['postgres', 'append-100', 'append 100-event batches', pgRaw?.insert100, 'raw pg, 100 rows a commit'],
      ['postgres', 'read-all', 'read the global log', pgRaw?.readAll, 'raw pg SELECT'],
    ];
    for (const [store, workload, metric, limit, limitName] of limitRows) {
      if (limit === undefined) continue;
      add({
        scenario: SCENARIO.limits,
        store,
        metric,
        value: accordOf(store, workload),
        unit: 'events/s',
        limit,
        limitName,
      });
    }
  } finally {
    if (schemas.length > 0)
      await dropSchemas(PG_URL, schemas).catch((error: unknown) =>
        say(`could not drop ${schemas.join(', ')}: ${String(error)}`),
      );
    rmSync(dir, { recursive: true, force: true });
  }

  const machine = describeMachine(tmpdir(), postgres);
  const at = new Date().toISOString();
  const results = join(DIST, '..', 'bench', 'results');
  mkdirSync(results, { recursive: true });
  const out = join(results, `${at.replace(/[:.]/g, '-')}${QUICK ? '-quick' : ''}.json`);
  const seconds = Math.round((performance.now() - began) / 1000);
  const summary = {
    at,
    quick: QUICK,
    seconds,
    machine: {
      ...machine,
      loadAverageAtStart: machineAtStart.loadAverage,
      loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
    },
    config: { ...CONFIG, connections: CONNECTIONS, commitments: COMMITMENTS, longStream: LONG_STREAM, growth: GROWTH },
    skipped,
    figures,
  };
  writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);

  console.log(
    `\naccord bench${QUICK ? ' --quick' : ''}: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}`,
  );
  console.log(
    `load average ${machineAtStart.loadAverage.join(' ')} at start, ${summary.machine.loadAverageAtEnd.join(' ')} at end; ${seconds} s\n`,
  );
  console.log(table(figures));
  const missed = ordered(figures).filter((f) => meets(f) === false);
  console.log(
    `\n${figures.filter((f) => meets(f) === true).length} targets met, ${missed.length} missed${missed.length ? ':' : '.'}`,
  );
  for (const f of missed)
    console.log(
      `  - ${f.scenario}, ${f.store}: ${f.metric} = ${format(f.value, f.unit)} (${f.target}; ${shortfall(f)})`,
    );
  for (const f of figures.filter((f) => f.note))
    console.log(`  note: ${f.scenario}, ${f.store}, ${f.metric}: ${f.note}`);
  if (skipped.length) console.log(`skipped: ${skipped.join('; ')}`);
  console.log(`\nresults: ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
