/**
 * The transparency log's offline checks on a large log, as bench tasks (bench/tasks.ts runs
 * each in a child process of its own):
 *
 *  - `bundle`: the tree brought up to the log, its head signed, the audit bundle written
 *    (accord audit bundle), then checked by `accord audit verify-bundle` itself, in a process of
 *    its own as an auditor runs it (in this one, the writer's garbage would slow it);
 *  - `tree-proofs`: inclusion proofs of random events at the tree's full size, each timed
 *    alone as the API and `accord audit prove inclusion` make them (the leaf looked up by event
 *    id, then the path's nodes in one read), and checked.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { headPosition, type EventStore } from '@accord/event-store';
import {
  CheckpointStore,
  LOG_TREE,
  openLogIdentity,
  SqlLogTree,
  writeBundle,
  type BundleReport,
} from '@accord/log-tree';
import { verifyInclusion } from '@accord/merkle';
import { ProjectionRunner, type Tables } from '@accord/projection-runner';
import { allProjections } from '@accord/read-models';
import type { SqlDb } from '@accord/sql';
import { openEventStore } from '@accord/store-factory';
import { openApiState } from '../../apps/api/src';

const run = promisify(execFile);
/** The compiled CLI (dist/bench/support → dist/apps/cli/src/main.js). */
const CLI = join(__dirname, '..', '..', 'apps', 'cli', 'src', 'main.js');

interface Tree {
  readonly store: EventStore;
  readonly db: SqlDb;
  readonly tables: Tables;
  readonly tree: SqlLogTree;
}

async function withTree<T>(url: string, work: (tree: Tree) => Promise<T>) {
  const store = await openEventStore(url);
  const state = openApiState(url);
  try {
    const runner = new ProjectionRunner(store, state.db, allProjections);
    const tables = await runner.tables(LOG_TREE);
    const tree = new SqlLogTree(state.db, tables);
    // The tree as far as the log: the large log is cached with it, and the API grew it since.
    const head = await headPosition(store);
    if ((await tree.head()).position < head) {
      await runner.start();
      try {
        if (!(await runner.waitFor(LOG_TREE, head, 600_000))) throw new Error('the log tree did not catch up');
      } finally {
        await runner.stop();
      }
    }
    return await work({ store, db: state.db, tables, tree });
  } finally {
    await state.close();
    await store.close();
  }
}

/** Signs the tree's head, writes its bundle in `dir`, and checks it with `workers` threads. */
export async function bundleTask(url: string, dir: string, workers: number) {
  const file = join(dir, 'bench.bundle.ndjson');
  try {
    const { written, logKey } = await withTree(url, async ({ store, db, tables, tree }) => {
      const identity = await openLogIdentity(db);
      await new CheckpointStore(db).record(identity.origin, identity.signer, await tree.head());
      return { written: await writeBundle(file, { store, db, tables }), logKey: identity.verifierKey };
    });
    const { stdout } = await run(
      process.execPath,
      [CLI, 'audit', 'verify-bundle', file, '--log-key', logKey, '--workers', String(workers), '--json'],
      { maxBuffer: 64 << 20 },
    ).catch((error: { stdout?: string }) => {
      // Exit 3 (broken) still prints the report.
      if (!error.stdout) throw error;
      return { stdout: error.stdout };
    });
    const report = JSON.parse(stdout) as BundleReport;
    if (!report.intact)
      throw new Error(`the bundle does not verify: ${JSON.stringify(report.brokenLinks.slice(0, 3))}`);
    return {
      events: report.events,
      bytes: written.bytes,
      writeMs: Math.round(written.elapsedMs),
      verifyMs: Math.round(report.elapsedMs),
      workers: report.workers,
    };
  } finally {
    rmSync(file, { force: true });
    rmSync(`${file}.partial`, { force: true });
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** `count` inclusion proofs of random events at the tree's size: p50 and p99 of each, in ms. */
export async function proofsTask(url: string, count: number) {
  return withTree(url, async ({ tree }) => {
    const head = await tree.head();
    const picked = [];
    for (let i = 0; i < count; i++) {
      const index = Math.floor(Math.random() * head.size);
      picked.push((await tree.leafRange(index, index + 1))[0]);
    }
    const times: number[] = [];
    for (const wanted of picked) {
      const started = performance.now();
      const leaf = (await tree.leafOfEvent(wanted.eventId))!;
      const proof = await tree.inclusionProof(leaf.leaf, head.size);
      times.push(performance.now() - started);
      const ok = verifyInclusion({
        leafIndex: leaf.leaf,
        treeSize: head.size,
        leafHash: leaf.hash,
        proof,
        root: head.root,
      });
      if (!ok) throw new Error(`the proof of leaf ${leaf.leaf} does not verify`);
    }
    times.sort((a, b) => a - b);
    return {
      events: head.size,
      proofs: count,
      p50Ms: Number(percentile(times, 50).toFixed(3)),
      p99Ms: Number(percentile(times, 99).toFixed(3)),
    };
  });
}
