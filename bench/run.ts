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
 *  8. the event loop while heavy reads and hostile bodies run (bench/event-loop.bench.ts);
 *     the transparency log's cost (scenarios/log-tree.ts);
 *  9. what metrics cost the command path (metrics-overhead.bench.ts);
 * 10. webhook delivery while commands flow (webhooks.bench.ts);
 * 11. two API instances on one PostgreSQL database beside one, and
 * 12. the workers in a process of their own, on both stores (scale-out.bench.ts).
 *
 * The 1M-event SQLite log (with its read models) is generated once through the real
 * deciders and kept in $ACCORD_BENCH_CACHE (default <tmp>/accord-bench-cache); each run
 * works on a copy. PostgreSQL runs in schemas of its own in $ACCORD_BENCH_PG_URL (default
 * the test database), dropped at the end.
 *
 * Each scenario is a module of bench/scenarios/, handed one BenchContext (the scale, the
 * scratch directory, PostgreSQL, how figures and failed parts are recorded); this file runs
 * them in turn and writes the results.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, meets, ordered, shortfall, table, type Figure } from './support/figures';
import { describeMachine, type Machine } from './support/machine';
import { DIST } from './support/processes';
import { dropSchemas } from './peer';
import {
  benchConfig,
  benchContext,
  COMMITMENTS,
  CONNECTIONS,
  GROWTH,
  LONG_STREAM,
  PG_URL,
  postgresVersion,
} from './scenarios/context';
import { limitsScenario } from './scenarios/limits';
import { locksScenario } from './scenarios/locks';
import { peerScenario } from './scenarios/peer';
import { postgresScenarios } from './scenarios/postgres';
import { sqliteScenarios } from './scenarios/sqlite';
import { logTreeCost } from './scenarios/log-tree';
import { webhooksScenario } from './webhooks.bench';
import { metricsOverhead } from './metrics-overhead.bench';
import { scaleOutScenario } from './scale-out.bench';

const QUICK = process.argv.includes('--quick');
const SKIP_PG = process.argv.includes('--no-postgres');
const HTTP_SETUP = process.argv.includes('--http-setup');
/** `--only tree`: scenario 8 alone (the transparency log's cost), for working on it. */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const CONFIG = benchConfig(QUICK);

const began = performance.now();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0)} s`;
const say = (message: string): void => void process.stderr.write(`[${elapsed().padStart(5)}] ${message}\n`);

const figures: Figure[] = [];
const add = (figure: Figure): void => void figures.push(figure);

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
  const bench = benchContext({
    dir,
    cacheDir,
    config: CONFIG,
    quick: QUICK,
    httpSetup: HTTP_SETUP,
    postgres,
    say,
    add,
  });
  try {
    if (ONLY === 'tree') await logTreeCost(bench);
    else {
      // 7. The limits first, while nothing else of ours runs.
      const limits = await limitsScenario(bench);
      // 1-5, on each store: an empty store and one of 10k events, then the large log.
      const large = await sqliteScenarios(bench, limits.ceiling?.okPerSecond);
      await postgresScenarios(bench, large, limits.ceiling?.okPerSecond);
      await locksScenario(bench);
      // 8. What the transparency log costs the command path.
      await logTreeCost(bench);
      // 9. What metrics cost the command path (metrics-overhead.bench.ts).
      await metricsOverhead(bench);
      // 10. Webhook delivery while commands flow (webhooks.bench.ts).
      await webhooksScenario(bench);
      // 11, 12. More than one API process on one store (scale-out.bench.ts).
      await scaleOutScenario(bench);
      // 6, and the rest of 7 from its figures.
      await peerScenario(bench, limits);
    }
  } finally {
    const { schemas } = bench;
    if (schemas.length > 0)
      await dropSchemas(PG_URL, schemas).catch((error: unknown) =>
        say(`could not drop ${schemas.join(', ')}: ${String(error)}`),
      );
    rmSync(dir, { recursive: true, force: true });
  }
  writeResults(machineAtStart, postgres, bench.skipped);
}

/** Writes bench/results/<timestamp>.json and prints the table, the targets missed and what was skipped. */
function writeResults(machineAtStart: Machine, postgres: string | undefined, skipped: readonly string[]): void {
  const machine = describeMachine(tmpdir(), postgres);
  const at = new Date().toISOString();
  const results = join(DIST, '..', 'bench', 'results');
  mkdirSync(results, { recursive: true });
  const out = join(results, `${at.replace(/[:.]/g, '-')}${QUICK ? '-quick' : ''}${ONLY ? `-only-${ONLY}` : ''}.json`);
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
