/**
 * Scenario 5: audit verify of the large log as `accord audit verify` runs it by default
 * (defaultWorkers: in this thread unless the log is long and cores are idle, decision 0036),
 * beside verify in one thread, and against the raw read of the same log (scenario 3's), so
 * that "never slower than one thread" and "at least 0.8 of the raw read" are both read off
 * one run.
 */
import { defaultWorkers } from '@accord/audit';
import { runTask } from '../support/processes';
import { SCENARIO, size, type BenchContext, type Store } from './context';
import type { RawReadResult } from './large-log';

export async function verifyScenario(
  bench: BenchContext,
  store: Store,
  url: string,
  events: number,
  rawRead: RawReadResult | undefined,
): Promise<void> {
  const { add, say } = bench;
  const run = async (workers: number) => {
    const r = await runTask<{ events: number; ms: number }>(['verify', url, String(workers)]);
    return Math.round((r.events * 1000) / r.ms);
  };
  const chosen = defaultWorkers(events);
  const inThread = await run(0);
  const byDefault = chosen === 0 ? inThread : await run(chosen);
  say(`  verify: default (${chosen} workers) ${byDefault} events/s, in this thread ${inThread} events/s`);
  const threads = chosen === 0 ? 'in this thread' : `${chosen} worker threads`;
  add({
    scenario: SCENARIO.verify,
    store,
    metric: `accord audit verify, ${size(events)} events, the CLI's default (${threads})`,
    value: byDefault,
    unit: 'events/s',
    target: '>= 200000',
  });
  if (chosen > 0) {
    add({
      scenario: SCENARIO.verify,
      store,
      metric: 'accord audit verify --workers 0 (in this thread)',
      value: inThread,
      unit: 'events/s',
    });
    add({
      scenario: SCENARIO.verify,
      store,
      metric: 'verify: the default / in this thread',
      value: Number((byDefault / inThread).toFixed(2)),
      unit: 'ratio',
      target: '>= 1',
    });
  }
  if (rawRead && rawRead.ms > 0) {
    const raw = Math.round((rawRead.events * 1000) / rawRead.ms);
    add({
      scenario: SCENARIO.verify,
      store,
      metric: 'verify (the default) against the raw read of the same log',
      value: byDefault,
      unit: 'events/s',
      target: '>= 0.8x limit',
      limit: raw,
      limitName: 'raw read of the same log (scenario 3)',
    });
  }
}
