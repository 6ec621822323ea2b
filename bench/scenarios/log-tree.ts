/**
 * Scenario 8, the cost of the transparency log on the command path: the command load of
 * scenario 1 on one SQLite store, with the log tree grown as the log commits (the API as it
 * ships) and without it (bench/support/api-without-tree.ts), in alternating runs (with,
 * without, without, with, …) so that the store's growth and the machine's drift fall on both.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { commandLoad, type Prepared } from './commands';
import { COMMITMENTS, SCENARIO, type BenchContext } from './context';
import { API_WITHOUT_TREE, runTask } from '../support/processes';
import type { LoadResult } from '../support/load';

const PAIRS = 3;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

export async function logTreeCost(bench: BenchContext): Promise<void> {
  const { dir, say, add, step } = bench;
  const file = join(dir, 'tree-cost.db');
  const url = `sqlite:${file}`;
  say(`sqlite: commands with the log tree and without it, ${PAIRS} pairs of runs`);
  const result = await step('sqlite commands with and without the tree', async () => {
    const prepared = await runTask<Prepared>(['prepare', url, '0', '0', String(COMMITMENTS), '0']);
    const runs: { tree: boolean; result: LoadResult }[] = [];
    for (let i = 0; i < PAIRS * 2; i++) {
      // with, without, without, with, with, without: each side runs as often first as second.
      const tree = [0, 3, 4].includes(i);
      runs.push({
        tree,
        result: await commandLoad(bench, 'sqlite', url, prepared, undefined, tree ? undefined : API_WITHOUT_TREE),
      });
    }
    return runs;
  });
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  if (!result) return;
  const withTree = result.filter((r) => r.tree).map((r) => r.result);
  const without = result.filter((r) => !r.tree).map((r) => r.result);
  const ratios = withTree.map((w, i) => w.okPerSecond / without[i].okPerSecond);
  add({
    scenario: SCENARIO.tree,
    store: 'sqlite',
    metric: `2xx commands/s with the log tree (median of ${PAIRS})`,
    value: median(withTree.map((r) => r.okPerSecond)),
    unit: 'commands/s',
  });
  add({
    scenario: SCENARIO.tree,
    store: 'sqlite',
    metric: `2xx commands/s without the log tree (median of ${PAIRS})`,
    value: median(without.map((r) => r.okPerSecond)),
    unit: 'commands/s',
  });
  add({
    scenario: SCENARIO.tree,
    store: 'sqlite',
    metric: `commands/s with the tree / without (median of ${PAIRS} pairs)`,
    value: median(ratios),
    unit: 'ratio',
    target: '>= 0.95',
  });
  add({
    scenario: SCENARIO.tree,
    store: 'sqlite',
    metric: `p99 latency with the tree / without (median of ${PAIRS} pairs)`,
    value: median(withTree.map((w, i) => w.p99Ms / without[i].p99Ms)),
    unit: 'ratio',
  });
}
