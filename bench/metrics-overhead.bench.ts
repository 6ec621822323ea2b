/**
 * Scenario 9, the cost of metrics on the command path (issue 19: within 3%): the command load
 * of scenario 1 (progress reports, 64 connections, 1,000 commitments) against the real API on
 * one SQLite store, with metrics on (ACCORD_METRICS_TOKEN set: every request timed, every
 * command counted, every append timed, the default metrics collected, and /metrics scraped
 * once a second, where a Prometheus scrapes every 15 to 60 s) and off (the API as it ships),
 * in alternating runs of the same size (on, off, off, on, on, off) so that the store's growth
 * and the machine's drift fall on both sides.
 *
 * Besides the rate and p99 it quotes the server's CPU time per command (utime + stime from
 * /proc over the measured run): on a machine that other work shares, the rate moves with the
 * neighbours, the CPU a command costs much less.
 *
 * In run.ts as one scenario; alone: `node scripts/build.js && node dist/bench/metrics-overhead.bench.js [--quick] [--pairs N]`.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Prepared } from './scenarios/commands';
import { ADMIN_KEY, COMMITMENTS, CONNECTIONS, standaloneBench, type BenchContext } from './scenarios/context';
import { call } from './support/api-setup';
import { table, type Figure } from './support/figures';
import { progressLoad, type LoadResult } from './support/load';
import { runTask, startApi, type ServerProcess } from './support/processes';

export const METRICS_SCENARIO = '9 metrics overhead';
const TOKEN = 'bench-metrics-token-0123456789';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** CPU seconds a process has used (user + system), from /proc/<pid>/stat; undefined off Linux. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 14th field, stime the 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, USER_HZ = 100 on Linux
  } catch {
    return undefined;
  }
}

/** Every read model and the process manager caught up with the log (as scenario 1 waits). */
async function caughtUp(api: ServerProcess): Promise<void> {
  for (;;) {
    const { json } = await call(api.url, 'GET', '/projections', ADMIN_KEY);
    const items = json.items as { lag: number }[];
    const processManager = json.processManager as { lag: number };
    if (items.every((item) => item.lag === 0) && processManager.lag === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface Run {
  readonly on: boolean;
  readonly load: LoadResult;
  /** Server CPU milliseconds per 2xx command over the measured run. */
  readonly cpuMsPerCommand: number | undefined;
}

async function run(bench: BenchContext, url: string, prepared: Prepared, on: boolean): Promise<Run> {
  const { config, say } = bench;
  const api = await startApi(url, ADMIN_KEY, on ? { ACCORD_METRICS_TOKEN: TOKEN } : {});
  let scraper: NodeJS.Timeout | undefined;
  try {
    const key = String(
      (await call(api.url, 'POST', '/admin/keys', ADMIN_KEY, { name: 'bench', role: 'integration', party: 'MA' })).json
        .key,
    );
    await caughtUp(api);
    const scrape = () =>
      fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}`, 'accept-encoding': 'gzip' } });
    if (on) {
      // The metrics really are on: the page answers, and counts the commands.
      const answer = await scrape();
      if (answer.status !== 200) throw new Error(`GET /metrics answered ${answer.status}`);
      scraper = setInterval(
        () =>
          void scrape().then(
            (r) => r.arrayBuffer(),
            () => undefined,
          ),
        1000,
      );
    }
    const load = {
      url: api.url,
      key,
      commitmentIds: prepared.commitmentIds,
      connections: CONNECTIONS,
      serverPid: api.pid,
    };
    if (config.warmUpSeconds > 0) await progressLoad({ ...load, seconds: config.warmUpSeconds, warmUpSeconds: 0 });
    const before = cpuSecondsOf(api.pid);
    const result = await progressLoad({ ...load, seconds: config.loadSeconds, warmUpSeconds: 0 });
    const after = cpuSecondsOf(api.pid);
    const cpuMsPerCommand =
      before !== undefined && after !== undefined && result.ok > 0 ? ((after - before) * 1000) / result.ok : undefined;
    if (on) {
      const text = await (await scrape()).text();
      if (!/^accord_commands_total\{[^}]*outcome="acknowledged"[^}]*\} [1-9]/m.test(text)) {
        throw new Error('metrics on, but accord_commands_total counted no acknowledged command');
      }
    }
    say(
      `  metrics ${on ? 'on ' : 'off'}: ${result.okPerSecond} commands/s, p99 ${result.p99Ms} ms, ` +
        `${cpuMsPerCommand?.toFixed(3) ?? '?'} ms CPU a command, ${result.non2xx} non-2xx`,
    );
    return { on, load: result, cpuMsPerCommand };
  } finally {
    clearInterval(scraper);
    await api.stop();
  }
}

export async function metricsOverhead(bench: BenchContext, pairs = 3): Promise<void> {
  const { dir, say, add, step } = bench;
  const file = join(dir, 'metrics-cost.db');
  const url = `sqlite:${file}`;
  say(`sqlite: commands with metrics on and off, ${pairs} pairs of ${bench.config.loadSeconds} s runs`);
  const runs = await step('sqlite commands with metrics on and off', async () => {
    const prepared = await runTask<Prepared>(['prepare', url, '0', '0', String(COMMITMENTS), '0']);
    const done: Run[] = [];
    // on, off, off, on, on, off: each side runs as often first as second.
    for (let i = 0; i < pairs * 2; i++) done.push(await run(bench, url, prepared, i % 4 === 0 || i % 4 === 3));
    return done;
  });
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  if (!runs) return;
  const on = runs.filter((r) => r.on);
  const off = runs.filter((r) => !r.on);
  const figure = (metric: string, value: number, unit: string, extra: Partial<Figure> = {}): void =>
    add({ scenario: METRICS_SCENARIO, store: 'sqlite', metric, value, unit, ...extra });
  // Pairs in run order: the i-th on run against the i-th off run.
  const ratio = (of: (r: Run) => number) => median(on.map((r, i) => of(r) / of(off[i])));
  const rate = (r: Run) => r.load.okPerSecond;
  const p99 = (r: Run) => r.load.p99Ms;
  figure(`2xx commands/s with metrics on (median of ${pairs})`, median(on.map(rate)), 'commands/s');
  figure(`2xx commands/s with metrics off (median of ${pairs})`, median(off.map(rate)), 'commands/s');
  figure(`commands/s on / off (median of ${pairs} pairs)`, ratio(rate), 'ratio', { target: '>= 0.97' });
  figure(`p99 latency with metrics on (median of ${pairs})`, median(on.map(p99)), 'ms');
  figure(`p99 latency with metrics off (median of ${pairs})`, median(off.map(p99)), 'ms');
  figure(`p99 latency on / off (median of ${pairs} pairs)`, ratio(p99), 'ratio');
  if (runs.every((r) => r.cpuMsPerCommand !== undefined)) {
    const cpu = (r: Run) => r.cpuMsPerCommand!;
    figure(`server CPU a command, metrics on (median of ${pairs})`, median(on.map(cpu)), 'ms');
    figure(`server CPU a command, metrics off (median of ${pairs})`, median(off.map(cpu)), 'ms');
    figure(`server CPU a command on / off (median of ${pairs} pairs)`, ratio(cpu), 'ratio', { target: '<= 1.03' });
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const pairsAt = process.argv.indexOf('--pairs');
  const pairs = pairsAt > 0 ? Number(process.argv[pairsAt + 1]) : 3;
  const { bench, figures } = standaloneBench('metrics', quick, undefined);
  try {
    await metricsOverhead(bench, pairs);
  } finally {
    rmSync(bench.dir, { recursive: true, force: true });
  }
  console.log(`\n${CONNECTIONS} connections, ${bench.config.loadSeconds} s a run, ${pairs} pairs\n`);
  console.log(table(figures));
  if (bench.skipped.length) console.log(`skipped: ${bench.skipped.join('; ')}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
