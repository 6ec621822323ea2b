/**
 * Scenarios 1 to 5 on PostgreSQL, each store in a schema of the run's own: commands on an
 * empty store and on one of 10k events, then the large log copied in through the store API,
 * its rebuild, the commands and the 10,000-event commitment on it, and audit verify.
 */
import { dropSchemas } from '../peer';
import { runTask } from '../support/processes';
import { timeTravelReads } from './time-travel';
import { addCommands, addGrowth, commandLoad, growthRuns, loadLongCommitment } from './commands';
import { PG_URL, SCENARIO, size, type BenchContext } from './context';
import { addRebuild, rebuild, type LargeLog } from './large-log';
import { verifyScenario } from './verify';
import { inclusionProofs } from './audit-bundle';

/** Skipped, and said so in the results, when PostgreSQL does not answer; `large` is the SQLite log to copy. */
export async function postgresScenarios(
  bench: BenchContext,
  large: LargeLog | undefined,
  ceiling: number | undefined,
): Promise<void> {
  const { config, say, step, pgUrl } = bench;
  if (!bench.postgres) {
    bench.skipped.push('PostgreSQL scenarios (no server)');
    return;
  }
  const dropAll = () => dropSchemas(PG_URL, bench.schemas.splice(0));
  const pgBase = await growthRuns(bench, 'postgres', pgUrl, dropAll, ceiling);
  if (!large) return;
  say(`postgres: the ${size(config.large)}-event log, copied in through the store API`);
  const pgLarge = pgUrl('large');
  const copied = await step(`postgres copy of the ${size(config.large)}-event log`, () =>
    runTask(['copy', `sqlite:${large.file}`, pgLarge], { onLine: (line) => say(line.trim()) }),
  );
  if (copied) {
    say(`postgres: rebuild every read model over ${size(large.meta.events)} events`);
    const rebuilt = await step('postgres rebuild', () => rebuild(pgLarge));
    if (rebuilt) addRebuild(bench, 'postgres', rebuilt);
    const loaded = await step(`postgres commands, ${size(config.large)} events`, () =>
      commandLoad(bench, 'postgres', pgLarge, large.meta, async (api, keys) => {
        await loadLongCommitment(bench, 'postgres', api, keys, large.meta.longCommitmentId!);
        await timeTravelReads(bench, 'postgres', api, keys, large.meta.longCommitmentId!, large.meta.events);
      }),
    );
    if (loaded) {
      addCommands(bench, 'postgres', SCENARIO.growth, `${size(config.large)} events`, loaded);
      if (pgBase) addGrowth(bench, 'postgres', pgBase, `${size(config.large)} events`, loaded);
    }
    say('postgres: audit verify');
    await step('postgres verify', () =>
      verifyScenario(bench, 'postgres', pgLarge, large.meta.events, rebuilt?.rawRead),
    );
    await step('postgres inclusion proofs', () => inclusionProofs(bench, 'postgres', pgLarge));
  }
  await dropAll();
}
