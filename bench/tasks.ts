/**
 * The heavy steps of `npm run bench`, each run in a child process of its own so that its
 * peak resident set is its own and the runner's heap stays small. Prints one JSON line.
 *
 *     node dist/bench/tasks.js prepare <store-url> <events> <long-stream> <commitments> [read-models]
 *     node dist/bench/tasks.js rebuild <store-url>
 *     node dist/bench/tasks.js read <store-url> [page]
 *     node dist/bench/tasks.js verify <store-url> <workers>
 *     node dist/bench/tasks.js bundle <store-url> <dir> <workers>
 *     node dist/bench/tasks.js tree-proofs <store-url> <proofs>
 *     node dist/bench/tasks.js copy <from-url> <to-url>
 *     node dist/bench/tasks.js peer <dir> <postgres-url or ''> <events> <append-ms>
 */
import { availableParallelism } from 'node:os';
import Database from 'better-sqlite3';
import { verifyLog, verifyLogInWorkers, type VerifyReport } from '@accord/audit';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { allProjections } from '@accord/read-models';
import { ProjectionRunner } from '@accord/projection-runner';
import { openEventStore } from '@accord/store-factory';
import { openApiState } from '../apps/api/src';
import { appendRun } from '../apps/cli/src';
import { memoryOf } from './support/processes';
import { generateLog, registerAgreement, writeCommitmentsInProgress } from './support/log-generator';
import { bundleTask, proofsTask } from './support/tree-tasks';
import { emmettSqliteEngine, runPeer, singleAppends } from './peer';

const say = (message: string): void => void process.stderr.write(`  ${message}\n`);
const hwm = (): number => Math.round(memoryOf(process.pid)?.hwm ?? 0);

async function withStore<T>(url: string, work: (store: EventStore) => Promise<T>): Promise<T> {
  const store = await openEventStore(url);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Replays the whole log into fresh tables of every read model in one pass, as `accord projections rebuild all`. */
async function rebuildAll(url: string, store: EventStore) {
  const state = openApiState(url);
  try {
    const runner = new ProjectionRunner(store, state.db, allProjections, {
      onError: (name, error) => say(`projection ${name} failed: ${String(error)}`),
      backgroundWriter: false, // as the CLI's
    });
    const started = performance.now();
    await runner.rebuild(allProjections.map((p) => p.name));
    const ms = Math.round(performance.now() - started);
    // One pass feeds every read model at once: there is no time of each.
    return { projections: [{ name: 'all (one pass)', ms }], totalMs: ms };
  } finally {
    await state.close();
  }
}

async function countEvents(store: EventStore): Promise<number> {
  let count = 0;
  for (let after = 0; ;) {
    const page: RecordedEvent[] = await store.readAll({ after, maxCount: 10_000 });
    if (page.length === 0) return count;
    count += page.length;
    after = page[page.length - 1].position;
  }
}

/**
 * The raw read of the same log the rebuild replays: every event, page by page (the
 * rebuild's page size), through the store's own readAll, with no projection. On SQLite
 * also the floor under it: a bare SELECT of the columns and JSON.parse of data and metadata.
 */
async function rawRead(url: string, store: EventStore, pageSize: number) {
  let events = 0;
  const started = performance.now();
  for (let after = 0; ;) {
    const page: RecordedEvent[] = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) break;
    events += page.length;
    after = page[page.length - 1].position;
  }
  const ms = performance.now() - started;
  if (!url.startsWith('sqlite:')) return { events, ms: Math.round(ms) };
  const db = new Database(url.slice('sqlite:'.length), { readonly: true });
  try {
    const select = db
      .prepare<[number, number], [number, string, string]>(
        'SELECT position, data, metadata FROM events WHERE position > ? ORDER BY position LIMIT ?',
      )
      .raw();
    let bare = 0;
    let parsed = 0;
    const bareStarted = performance.now();
    for (let after = 0; ;) {
      const rows = select.all(after, pageSize);
      if (rows.length === 0) break;
      for (const row of rows) if (JSON.parse(row[1]) !== null && JSON.parse(row[2]) !== null) parsed++;
      bare += rows.length;
      after = rows[rows.length - 1][0];
    }
    if (parsed !== bare) throw new Error(`the bare read parsed ${parsed} of ${bare} rows`);
    return { events, ms: Math.round(ms), bare: { events: bare, ms: Math.round(performance.now() - bareStarted) } };
  } finally {
    db.close();
  }
}

/**
 * Copies a log into another store through the store API, in global order; appends to
 * different streams go side by side (a page at a time), so PostgreSQL commits them in
 * parallel. Each stream's events keep their revisions, ids, data and metadata (hashes).
 */
async function copy(from: EventStore, to: EventStore): Promise<number> {
  let copied = 0;
  for (let after = 0; ;) {
    const page = await from.readAll({ after, maxCount: 200_000 });
    if (page.length === 0) return copied;
    const runs = new Map<string, RecordedEvent[]>();
    for (const event of page) {
      const run = runs.get(event.streamId) ?? [];
      run.push(event);
      runs.set(event.streamId, run);
    }
    await Promise.all([...runs.values()].map((run) => appendRun(to, run)));
    copied += page.length;
    after = page[page.length - 1].position;
    if (copied % 100_000 < page.length) say(`copied ${copied.toLocaleString('en-US')} events`);
  }
}

async function main(): Promise<void> {
  const [task, url, ...rest] = process.argv.slice(2);
  const started = performance.now();
  let result: Record<string, unknown> = {};
  switch (task) {
    case 'prepare': {
      const [events, longStream, commitments, readModels] = rest.map(Number);
      result = await withStore(url, async (store) => {
        const log =
          events > 0
            ? await generateLog(store, {
                events,
                longStream: longStream || undefined,
                onProgress: (n) => say(`wrote ${n.toLocaleString('en-US')} events`),
              })
            : (await registerAgreement(store, Date.UTC(2026, 0, 1)), { events: 1, streams: 1 });
        const commitmentIds = await writeCommitmentsInProgress(store, commitments);
        const generatedMs = Math.round(performance.now() - started);
        const built = readModels ? await rebuildAll(url, store) : undefined;
        return { ...log, events: log.events + 4 * commitments, commitmentIds, generatedMs, readModels: built };
      });
      break;
    }
    case 'rebuild':
      result = await withStore(url, async (store) => ({
        events: await countEvents(store),
        ...(await rebuildAll(url, store)),
      }));
      break;
    case 'read':
      result = await withStore(url, (store) => rawRead(url, store, Number(rest[0] ?? 20_000)));
      break;
    case 'verify': {
      const workers = Number(rest[0] ?? Math.min(8, availableParallelism()));
      const report: VerifyReport =
        workers > 0 ? await verifyLogInWorkers(url, { workers }) : await withStore(url, (store) => verifyLog(store));
      if (!report.intact) throw new Error(`the log does not verify: ${JSON.stringify(report.brokenLink)}`);
      result = { events: report.events, ms: Math.round(report.elapsedMs), workers };
      break;
    }
    case 'bundle':
      result = await bundleTask(url, rest[0], Number(rest[1] ?? Math.min(8, availableParallelism())));
      break;
    case 'tree-proofs':
      result = await proofsTask(url, Number(rest[0] ?? 2000));
      break;
    case 'copy':
      result = await withStore(url, (from) => withStore(rest[0], async (to) => ({ events: await copy(from, to) })));
      break;
    case 'peer':
      result = {
        figures: await runPeer({
          dir: url,
          pgUrl: rest[0] || undefined,
          events: Number(rest[1]),
          appendMs: Number(rest[2]),
          say,
        }),
      };
      break;
    case 'emmett-sqlite-concurrent': {
      // Exits at once with what it saw: writers left hanging die with the process.
      const [writers, ms] = rest.map(Number);
      const line = await singleAppends(emmettSqliteEngine(url), writers, ms, true).then(
        (perSecond) => ({ perSecond }),
        (error: unknown) => ({ error: (error as Error).message.split('\n')[0] }),
      );
      process.stdout.write(`${JSON.stringify(line)}\n`); // a pipe: written synchronously
      // Not process.exit: it waits for the driver's threads, which hanging statements hold.
      process.kill(process.pid, 'SIGKILL');
      break;
    }
    default:
      throw new Error(`unknown task ${task}`);
  }
  process.stdout.write(
    `${JSON.stringify({ ...result, elapsedMs: Math.round(performance.now() - started), peakRssMb: hwm() })}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
