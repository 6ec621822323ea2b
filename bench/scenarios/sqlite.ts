/**
 * Scenarios 1 to 5 on SQLite: commands on an empty store and on one of 10k events, then on
 * a copy of the large log the commands, the 10,000-event commitment, the event loop under
 * heavy reads and hostile bodies (bench/event-loop.bench.ts), the rebuild and audit verify.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { eventLoopFigures } from '../event-loop.bench';
import { copyToDisk } from '../support/copy-to-disk';
import { timeTravelReads } from './time-travel';
import { addCommands, addGrowth, commandLoad, growthRuns, loadLongCommitment } from './commands';
import { ADMIN_KEY, SCENARIO, size, type BenchContext } from './context';
import { addRebuild, largeSqliteLog, rebuild, type LargeLog } from './large-log';
import { verifyScenario } from './verify';
import { inclusionProofs, verifyBundle } from './audit-bundle';

/** Resolves with the large log, unless it could not be had: PostgreSQL's scenarios copy it. */
export async function sqliteScenarios(bench: BenchContext, ceiling: number | undefined): Promise<LargeLog | undefined> {
  const { dir, config, say, add, step } = bench;
  const sqliteFile = (name: string) => `sqlite:${join(dir, `${name}.db`)}`;
  const removeSqlite = async () => {
    for (const f of readdirSync(dir)) if (/\.db(-wal|-shm)?$/.test(f)) rmSync(join(dir, f), { force: true });
  };
  const sqliteBase = await growthRuns(bench, 'sqlite', sqliteFile, removeSqlite, ceiling);

  say(`sqlite: the ${size(config.large)}-event log`);
  const large = await step(`the ${size(config.large)}-event log`, () => largeSqliteLog(bench));
  if (large) {
    const sqliteLarge = join(dir, 'large.db');
    copyToDisk(large.file, sqliteLarge);
    const loaded = await step(`sqlite commands, ${size(config.large)} events`, () =>
      commandLoad(bench, 'sqlite', `sqlite:${sqliteLarge}`, large.meta, async (api, keys) => {
        await loadLongCommitment(bench, 'sqlite', api, keys, large.meta.longCommitmentId!);
        await timeTravelReads(bench, 'sqlite', api, keys, large.meta.longCommitmentId!, large.meta.events);
      }),
    );
    if (loaded) {
      addCommands(bench, 'sqlite', SCENARIO.growth, `${size(config.large)} events`, loaded);
      if (sqliteBase) addGrowth(bench, 'sqlite', sqliteBase, `${size(config.large)} events`, loaded);
    }
    say('sqlite: the event loop while heavy reads and hostile bodies run');
    const loop = await step('sqlite event loop', () =>
      eventLoopFigures({ url: `sqlite:${sqliteLarge}`, log: large.meta, adminKey: ADMIN_KEY, quick: bench.quick, say }),
    );
    for (const figure of loop ?? []) add(figure);
    say(`sqlite: rebuild every read model over ${size(large.meta.events)} events`);
    const rebuilt = large.rebuilt ?? (await step('sqlite rebuild', () => rebuild(`sqlite:${sqliteLarge}`)));
    if (rebuilt) addRebuild(bench, 'sqlite', rebuilt);
    say('sqlite: audit verify');
    await step('sqlite verify', () =>
      verifyScenario(bench, 'sqlite', `sqlite:${sqliteLarge}`, large.meta.events, rebuilt?.rawRead),
    );
    say('sqlite: audit verify-bundle and inclusion proofs');
    await step('sqlite verify-bundle', () => verifyBundle(bench, 'sqlite', `sqlite:${sqliteLarge}`));
    await step('sqlite inclusion proofs', () => inclusionProofs(bench, 'sqlite', `sqlite:${sqliteLarge}`));
    await removeSqlite();
  }
  return large;
}
