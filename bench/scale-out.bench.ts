/**
 * Scenarios 11 and 12 (issue 20): the command load of scenario 1 (progress reports from
 * autocannon, 64 connections, 1,000 commitments) against more than one API process on one
 * store.
 *
 * 11. Scale-out on PostgreSQL: one instance (ACCORD_WORKERS=on) takes the 64 connections;
 *     beside it, on a schema set up the same, instance A (workers on) and instance B (workers
 *     off) both serve, the 64 connections split 32 and 32 (two autocannon runs side by side,
 *     each on its own half of the commitments, so that the two never race for a stream).
 *     Figures: the rate of each (2xx summed over both instances), the ratio two / one, p99
 *     (the worse of the two instances), non-2xx.
 * 12. Workers in their own process, on SQLite and on PostgreSQL: the API as it ships (one
 *     process doing HTTP, read models and the process manager) against the same load on an
 *     instance with ACCORD_WORKERS=off while a second instance with the workers on runs beside
 *     it on the same store, taking no HTTP load. On PostgreSQL the shipped side is scenario
 *     11's one instance (the same runs). Figures: the rate each way, the ratio, p99, and how
 *     far the read models were behind the log when the load stopped and how long they took
 *     to catch up (GET /projections on the instance with the workers).
 *
 * Every layout also quotes the CPU time (user + system, from /proc) that all its API processes
 * spent over the measured run, per 2xx command: on a machine of 2 cores that the load
 * generator and PostgreSQL share, the rate of two instances says little of what they would
 * do on more cores, the CPU a command costs says more.
 *
 * Each layout has a store of its own, prepared once; the layouts run in turn, round after
 * round, the order reversed every other round (one, two, apart, apart, two, one, ...), so
 * that the stores' growth and the machine's drift fall on every side; the figures are
 * medians over the rounds, the ratios medians of each round's ratio.
 *
 * In run.ts as one scenario; alone:
 * `node scripts/build.js && node dist/bench/scale-out.bench.js [--quick] [--rounds N] [--no-postgres]`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSecondsOf } from './metrics-overhead.bench';
import { dropSchemas } from './peer';
import type { Prepared } from './scenarios/commands';
import {
  ADMIN_KEY,
  COMMITMENTS,
  CONNECTIONS,
  PG_URL,
  postgresVersion,
  standaloneBench,
  type BenchContext,
  type Store,
} from './scenarios/context';
import { call } from './support/api-setup';
import { table, type Figure } from './support/figures';
import { progressLoad, type LoadResult } from './support/load';
import { runTask, startApi, type ServerProcess } from './support/processes';

export const SCALE_OUT_SCENARIO = '11 scale-out';
export const WORKERS_APART_SCENARIO = '12 workers in their own process';

/**
 * one: one instance, workers on, all the load; two: A (workers on) and B (workers off), half
 * the load each; apart: B (workers off) takes all the load, A (workers on) none.
 */
type Layout = 'one' | 'two' | 'apart';

interface Run {
  readonly layout: Layout;
  /** Summed over the instances under load (p50 and p99: the worse instance's). */
  readonly load: LoadResult;
  /** CPU milliseconds (user + system) of every API process of the layout over the measured run, per 2xx command. */
  readonly cpuMsPerCommand: number;
  /** Events the furthest read model (or the process manager) was behind the log when the load stopped. */
  readonly lagAtEnd: number;
  /** Seconds from the end of the load until every read model and the process manager had caught up. */
  readonly catchUpSeconds: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** How far behind the log the furthest read model or the process manager is, in events. */
async function lagOf(api: ServerProcess): Promise<number> {
  const { json } = await call(api.url, 'GET', '/projections', ADMIN_KEY);
  const items = json.items as { lag: number }[];
  const processManager = json.processManager as { lag: number };
  return Math.max(processManager.lag, ...items.map((item) => item.lag));
}

/** Waits until the instance running the workers has caught up with the log; resolves with the seconds it took. */
async function caughtUp(api: ServerProcess, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const lag = await lagOf(api);
    if (lag === 0) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs)
      throw new Error(`the read models were still ${lag} events behind after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function integrationKey(api: ServerProcess): Promise<string> {
  const { json } = await call(api.url, 'POST', '/admin/keys', ADMIN_KEY, {
    name: 'bench scale-out',
    role: 'integration',
    party: 'MA',
  });
  return String(json.key);
}

/** Two instances' loads as one: counts summed, latencies the worse of the two, RSS summed. */
function merged(results: readonly LoadResult[]): LoadResult {
  const sum = (of: (r: LoadResult) => number) => results.reduce((total, r) => total + of(r), 0);
  const worst = (of: (r: LoadResult) => number) => Math.max(...results.map(of));
  const statusCodes: Record<string, number> = {};
  for (const r of results)
    for (const [code, count] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    okPerSecond: sum((r) => r.okPerSecond),
    ok: sum((r) => r.ok),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    p50Ms: worst((r) => r.p50Ms),
    p99Ms: worst((r) => r.p99Ms),
    seconds: worst((r) => r.seconds),
    statusCodes,
    serverRssPeakMb: sum((r) => r.serverRssPeakMb),
    serverRssMeanMb: sum((r) => r.serverRssMeanMb),
  };
}

/** Splits the commitments into `parts` runs of consecutive ones. */
function slices(ids: readonly string[], parts: number): string[][] {
  const size = Math.ceil(ids.length / parts);
  return Array.from({ length: parts }, (_, i) => ids.slice(i * size, (i + 1) * size));
}

const LABEL: Record<Layout, string> = {
  one: 'one instance (workers on)',
  two: 'two instances (A workers on, B off; 32 + 32)',
  apart: 'workers apart (B off takes the load, A on beside)',
};

async function runLayout(bench: BenchContext, url: string, prepared: Prepared, layout: Layout): Promise<Run> {
  const { config, say } = bench;
  const servers: ServerProcess[] = [];
  try {
    const workers = await startApi(url, ADMIN_KEY, { ACCORD_WORKERS: 'on' });
    servers.push(workers);
    if (layout !== 'one') servers.push(await startApi(url, ADMIN_KEY, { ACCORD_WORKERS: 'off' }));
    const targets = layout === 'one' ? [workers] : layout === 'two' ? servers : [servers[1]];
    // The load must not compete with a catch-up (the process manager reads a generated log once).
    await caughtUp(workers, 180_000);
    const keys = await Promise.all(targets.map(integrationKey));
    const parts = slices(prepared.commitmentIds, targets.length);
    const loadOn = (api: ServerProcess, i: number, seconds: number) =>
      progressLoad({
        url: api.url,
        key: keys[i],
        commitmentIds: parts[i],
        connections: CONNECTIONS / targets.length,
        seconds,
        warmUpSeconds: 0,
        serverPid: api.pid,
      });
    if (config.warmUpSeconds > 0) await Promise.all(targets.map((api, i) => loadOn(api, i, config.warmUpSeconds)));
    const cpu = () => servers.reduce((total, server) => total + (cpuSecondsOf(server.pid) ?? Number.NaN), 0);
    const cpuBefore = cpu();
    const results = await Promise.all(targets.map((api, i) => loadOn(api, i, config.loadSeconds)));
    const cpuAfter = cpu();
    const load = merged(results);
    const cpuMsPerCommand = load.ok > 0 ? ((cpuAfter - cpuBefore) * 1000) / load.ok : Number.NaN;
    const lagAtEnd = await lagOf(workers);
    const catchUpSeconds = await caughtUp(workers, 120_000);
    const each = results.length > 1 ? ` (${results.map((r) => r.okPerSecond).join(' + ')})` : '';
    say(
      `  ${layout.padEnd(5)} ${load.okPerSecond} commands/s${each}, p99 ${load.p99Ms} ms, ` +
        `${load.non2xx + load.errors} non-2xx, ${cpuMsPerCommand.toFixed(2)} ms server CPU a command; read models ${lagAtEnd} events behind, caught up in ${catchUpSeconds.toFixed(1)} s`,
    );
    return { layout, load, cpuMsPerCommand, lagAtEnd, catchUpSeconds };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

/** Runs the layouts on stores of their own, round after round, the order reversed every other round. */
async function alternate(
  bench: BenchContext,
  layouts: readonly Layout[],
  urlOf: (layout: Layout) => string,
  rounds: number,
): Promise<Map<Layout, Run[]>> {
  const prepared = new Map<Layout, Prepared>();
  for (const layout of layouts) {
    prepared.set(layout, await runTask<Prepared>(['prepare', urlOf(layout), '0', '0', String(COMMITMENTS), '0']));
  }
  const runs = new Map<Layout, Run[]>(layouts.map((layout) => [layout, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? layouts : [...layouts].reverse();
    for (const layout of order) {
      runs.get(layout)!.push(await runLayout(bench, urlOf(layout), prepared.get(layout)!, layout));
    }
  }
  return runs;
}

function addFigures(
  bench: BenchContext,
  scenario: string,
  store: Store,
  runs: Map<Layout, Run[]>,
  layouts: readonly Layout[],
  ratios: readonly (readonly [Layout, Layout])[],
  rounds: number,
): void {
  const of = `median of ${rounds}`;
  const figure = (metric: string, value: number, unit: string, extra: Partial<Figure> = {}): void =>
    bench.add({ scenario, store, metric, value, unit, ...extra });
  const rate = (r: Run) => r.load.okPerSecond;
  for (const layout of layouts) {
    const done = runs.get(layout)!;
    const connections = layout === 'two' ? `${CONNECTIONS} connections split` : `${CONNECTIONS} connections`;
    figure(`${LABEL[layout]}: 2xx commands/s (${connections}, ${of})`, median(done.map(rate)), 'commands/s');
    figure(`${LABEL[layout]}: p99 latency (${of})`, median(done.map((r) => r.load.p99Ms)), 'ms');
    figure(
      `${LABEL[layout]}: non-2xx responses (all runs)`,
      done.reduce((n, r) => n + r.load.non2xx + r.load.errors, 0),
      'responses',
    );
    const cpu = done.map((r) => r.cpuMsPerCommand).filter((ms) => Number.isFinite(ms));
    if (cpu.length === done.length)
      figure(`${LABEL[layout]}: server CPU a command, every API process (${of})`, median(cpu), 'ms');
    figure(
      `${LABEL[layout]}: read-model lag when the load stopped (${of})`,
      median(done.map((r) => r.lagAtEnd)),
      'events',
    );
    figure(
      `${LABEL[layout]}: read models caught up after the load (${of})`,
      median(done.map((r) => r.catchUpSeconds)),
      's',
    );
  }
  for (const [top, bottom] of ratios) {
    const tops = runs.get(top)!;
    const bottoms = runs.get(bottom)!;
    const ratio = (of: (r: Run) => number) => median(tops.map((r, i) => of(r) / of(bottoms[i])));
    const note = layouts.includes(bottom)
      ? {}
      : { note: `its ${bottom} runs are those of scenario ${SCALE_OUT_SCENARIO}` };
    figure(`commands/s, ${top} / ${bottom} (median of ${rounds} rounds' ratios)`, ratio(rate), 'ratio', note);
    figure(
      `p99 latency, ${top} / ${bottom} (median of ${rounds} rounds' ratios)`,
      ratio((r) => r.load.p99Ms),
      'ratio',
    );
    const cpu = ratio((r) => r.cpuMsPerCommand);
    if (Number.isFinite(cpu))
      figure(`server CPU a command, ${top} / ${bottom} (median of ${rounds} rounds' ratios)`, cpu, 'ratio');
  }
}

/** The scenarios as bench/run.ts runs them: 12 on SQLite, then 11 and 12 on PostgreSQL when it answers. */
export async function scaleOutScenario(bench: BenchContext, rounds = bench.quick ? 1 : 3): Promise<void> {
  const { dir, say, step, config } = bench;
  say(`sqlite: workers in the API process or in one of their own, ${rounds} rounds of ${config.loadSeconds} s runs`);
  const file = (layout: Layout) => join(dir, `scale-out-${layout}.db`);
  const sqlite = await step('sqlite workers in their own process', () =>
    alternate(bench, ['one', 'apart'], (layout) => `sqlite:${file(layout)}`, rounds),
  );
  for (const layout of ['one', 'apart'] as const)
    for (const suffix of ['', '-wal', '-shm']) rmSync(file(layout) + suffix, { force: true });
  if (sqlite) addFigures(bench, WORKERS_APART_SCENARIO, 'sqlite', sqlite, ['one', 'apart'], [['apart', 'one']], rounds);

  if (!bench.postgres) {
    bench.skipped.push('scale-out on PostgreSQL (no server)');
    return;
  }
  say(`postgres: one instance, two instances, workers apart, ${rounds} rounds of ${config.loadSeconds} s runs`);
  const urls = new Map<Layout, string>();
  const urlOf = (layout: Layout) => {
    if (!urls.has(layout)) urls.set(layout, bench.pgUrl(`scale_${layout}`));
    return urls.get(layout)!;
  };
  const postgres = await step('postgres scale-out', () => alternate(bench, ['one', 'two', 'apart'], urlOf, rounds));
  const made = [...urls.values()].map((url) => new URL(url).searchParams.get('schema')!);
  await dropSchemas(PG_URL, made).catch((error: unknown) => say(`could not drop ${made.join(', ')}: ${String(error)}`));
  bench.schemas.splice(0, bench.schemas.length, ...bench.schemas.filter((schema) => !made.includes(schema)));
  if (!postgres) return;
  addFigures(bench, SCALE_OUT_SCENARIO, 'postgres', postgres, ['one', 'two'], [['two', 'one']], rounds);
  // The shipped side of 12 on PostgreSQL is 11's one instance (the same runs): its figures are there.
  addFigures(bench, WORKERS_APART_SCENARIO, 'postgres', postgres, ['apart'], [['apart', 'one']], rounds);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const roundsAt = process.argv.indexOf('--rounds');
  const postgres = process.argv.includes('--no-postgres') ? undefined : await postgresVersion();
  const { bench, figures } = standaloneBench('scale-out', quick, postgres);
  const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : quick ? 1 : 3;
  try {
    await scaleOutScenario(bench, rounds);
  } finally {
    if (bench.schemas.length > 0) await dropSchemas(PG_URL, bench.schemas);
    rmSync(bench.dir, { recursive: true, force: true });
  }
  console.log(
    `\n${CONNECTIONS} connections, ${bench.config.loadSeconds} s a run, ${rounds} rounds; ${postgres ?? 'no PostgreSQL'}\n`,
  );
  console.log(table(figures));
  for (const f of figures.filter((f) => f.note))
    console.log(`  note: ${f.scenario}, ${f.store}, ${f.metric}: ${f.note}`);
  if (bench.skipped.length) console.log(`skipped: ${bench.skipped.join('; ')}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
