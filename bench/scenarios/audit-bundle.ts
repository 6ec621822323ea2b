/**
 * Beside audit verify (scenario 5), the transparency log's offline checks on the large log:
 * its audit bundle written and checked as `accord audit bundle` and `verify-bundle` do (a file,
 * no database: issue 16 asks for at least the verify rate of the day, 300,000 events/s), and
 * inclusion proofs at its full size from the tree's tables (well under 10 ms).
 */
import { availableParallelism } from 'node:os';
import { runTask } from '../support/processes';
import { SCENARIO, size, type BenchContext, type Store } from './context';

const perSecond = (events: number, ms: number) => Math.round((events * 1000) / ms);

export async function verifyBundle(bench: BenchContext, store: Store, url: string): Promise<void> {
  const workers = Math.min(8, availableParallelism());
  const r = await runTask<{ events: number; bytes: number; writeMs: number; verifyMs: number }>([
    'bundle',
    url,
    bench.dir,
    String(workers),
  ]);
  bench.add({
    scenario: SCENARIO.verify,
    store,
    metric: `accord audit verify-bundle, ${size(r.events)} events, ${workers} worker threads (a file, no database)`,
    value: perSecond(r.events, r.verifyMs),
    unit: 'events/s',
    target: '>= 300000',
  });
  bench.add({
    scenario: SCENARIO.verify,
    store,
    metric: `accord audit bundle, ${size(r.events)} events written (${Math.round(r.bytes / 2 ** 20)} MiB)`,
    value: perSecond(r.events, r.writeMs),
    unit: 'events/s',
  });
}

export async function inclusionProofs(bench: BenchContext, store: Store, url: string): Promise<void> {
  const r = await runTask<{ events: number; proofs: number; p50Ms: number; p99Ms: number }>([
    'tree-proofs',
    url,
    '2000',
  ]);
  const what = `inclusion proof at ${size(r.events)} events (leaf by event id, the path in one read; ${r.proofs} proofs)`;
  bench.add({ scenario: SCENARIO.verify, store, metric: `${what}: p50`, value: r.p50Ms, unit: 'ms', target: '<= 10' });
  bench.add({ scenario: SCENARIO.verify, store, metric: `${what}: p99`, value: r.p99Ms, unit: 'ms' });
}
