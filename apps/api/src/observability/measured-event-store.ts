import type { AppendOptions, AppendResult, EventStore, NewEvent } from '@accord/event-store';
import type { Metrics } from './metrics';
import { traceAppend } from './tracing';

/** What the SQLite and PostgreSQL adapters count of their group commits (their `stats`). */
interface GroupCommitStats {
  readonly commits: number;
  readonly appends: number;
  readonly largestGroup: number;
}

function groupStatsOf(store: EventStore): (() => GroupCommitStats) | undefined {
  const stats = (store as { stats?: unknown }).stats;
  if (typeof stats !== 'object' || stats === null || typeof (stats as GroupCommitStats).commits !== 'number')
    return undefined;
  return () => (store as unknown as { stats: GroupCommitStats }).stats;
}

/**
 * The store, with each append timed (accord_append_duration_seconds) and traced (an `append`
 * span), and the adapter's group-commit counters exposed when it keeps them. A Proxy rather
 * than a class implementing the port: every other member, the optional ones (headPosition,
 * readAllStored) and an adapter's own (stats) included, reaches the adapter unchanged, so
 * code that looks for a capability finds it as before.
 */
export function measuredEventStore(
  store: EventStore,
  kind: string,
  metrics: Metrics | undefined,
  traced: boolean,
): EventStore {
  if (!metrics?.enabled && !traced) return store;
  const timer = metrics?.enabled ? metrics.appendDuration.labels({ store: kind }) : undefined;
  const stats = metrics?.enabled ? groupStatsOf(store) : undefined;
  if (metrics && stats) {
    // Counters read from the adapter at scrape time: rate(appends) / rate(commits) is the mean group.
    metrics.counter({
      name: 'accord_store_commits_total',
      help: 'Write transactions the store committed (one fsync or commit flush each), by store kind',
      labelNames: ['store'],
      collect() {
        this.reset();
        this.inc({ store: kind }, stats().commits);
      },
    });
    metrics.counter({
      name: 'accord_store_appends_total',
      help: 'Appends that wrote events, by store kind: divided by commits, the mean group-commit size',
      labelNames: ['store'],
      collect() {
        this.reset();
        this.inc({ store: kind }, stats().appends);
      },
    });
    metrics.gauge({
      name: 'accord_store_largest_group_appends',
      help: 'The most appends one group commit has carried since the store opened, by store kind',
      labelNames: ['store'],
      collect() {
        this.set({ store: kind }, stats().largestGroup);
      },
    });
  }
  const append = (streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> => {
    const write = () => store.append(streamId, events, options);
    if (!timer) return traceAppend(kind, streamId, events, write);
    const end = timer.startTimer();
    return traceAppend(kind, streamId, events, write).finally(end);
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (property === 'append') return append;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(property);
      if (!method) bound.set(property, (method = (value as (...args: unknown[]) => unknown).bind(target)));
      return method;
    },
  });
}
