/**
 * Scenario 6, the peer: the same workloads on accord and emmett (bench/peer.ts), in a child
 * process, since emmett's SQLite store logs its errors to stdout. Then the rest of scenario
 * 7: accord's figures from it beside the raw drivers', on the same rows.
 */
import { WORKLOADS, type PeerFigure } from '../peer';
import { runTask } from '../support/processes';
import { PG_URL, SCENARIO, size, type BenchContext, type Store } from './context';
import type { Limits } from './limits';

export async function peerScenario(bench: BenchContext, limits: Limits): Promise<void> {
  const { config, say, add, step } = bench;
  say(`peer: the same workloads on accord and emmett, ${size(config.peerEvents)} events each`);
  const peer = await step('peer', () =>
    runTask<{ figures: PeerFigure[] }>(
      ['peer', bench.dir, bench.postgres ? PG_URL : '', String(config.peerEvents), String(config.appendMs)],
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
  const { fsync, sqlite: sqliteRaw, postgres: pgRaw } = limits;
  const accordOf = (store: Store, workload: string) =>
    peer?.figures.find((p) => p.store === store && p.workload === workload)?.accord ?? null;
  const limitRows: [Store, string, string, number | undefined, string][] = [
    ['sqlite', 'append-1', 'append 1 event, 1 writer', sqliteRaw.insert1, 'raw better-sqlite3, 1 row a commit'],
    ['sqlite', 'append-1', 'append 1 event, 1 writer, against fsync', fsync, 'disk fsyncs/s'],
    ['sqlite', 'append-64', 'append 1 event, 64 writers, against fsync', fsync, 'disk fsyncs/s'],
    ['sqlite', 'append-100', 'append 100-event batches', sqliteRaw.insert100, 'raw better-sqlite3, 100 rows a commit'],
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
}
