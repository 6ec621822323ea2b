import { allProjections, ProjectionRunner, UnknownProjectionError } from '@accord/projections';
import { DEFAULT_STORE_URL, openEventStore } from '@accord/store-factory';
import { Command } from 'commander';
import { headPosition } from '../../api/src/queries/head-position';
import { openApiState } from '../../api/src/state/open-api-state';
import { CliError } from './keys.command';
import { progressBar } from './progress';

/** `accord projections list|rebuild`: read models beside the configured store. */
export function projectionsCommand(): Command {
  const command = new Command('projections').description('inspect and rebuild read models');
  const storeOption = ['--store <url>', 'event store URL (default: $ACCORD_STORE or sqlite:./data/accord.db)'] as const;

  command
    .command('list')
    .description("each read model's version, generation, checkpoint and state")
    .option(...storeOption)
    .action(async (options: { store?: string }) => {
      await withRunner(options.store, async (runner, head) => {
        for (const s of await runner.status()) {
          process.stdout.write(
            `${s.name.padEnd(20)} v${s.version} g${s.generation}  checkpoint ${s.checkpoint}/${head}  ${s.state}\n`,
          );
        }
      });
    });

  command
    .command('rebuild <name>')
    .description(
      'replay the log into fresh tables while the live ones serve, then swap atomically ("all" for every one)',
    )
    .option(...storeOption)
    .action(async (name: string, options: { store?: string }) => {
      await withRunner(options.store, async (runner, head) => {
        const names = name === 'all' ? runner.projections.map((p) => p.name) : [name];
        for (const projectionName of names) {
          try {
            runner.projection(projectionName);
          } catch (error) {
            if (error instanceof UnknownProjectionError) throw new CliError(error.message);
            throw error;
          }
        }
        // One pass over the log builds every named read model (decision 0007).
        const bar = progressBar(`rebuild ${name}`, head);
        const started = Date.now();
        await runner.rebuild(names, (position) => bar.update(position));
        bar.update(head);
        bar.stop();
        const seconds = (Date.now() - started) / 1000;
        const statuses = await runner.status();
        for (const projectionName of names) {
          const status = statuses.find((s) => s.name === projectionName)!;
          if (names.length > 1) process.stderr.write(`rebuild ${projectionName}: done\n`);
          process.stdout.write(
            `${projectionName}: generation ${status.generation} is live at position ${status.checkpoint} (${seconds.toFixed(1)} s)\n`,
          );
        }
      });
    });
  return command;
}

async function withRunner(
  storeUrl: string | undefined,
  work: (runner: ProjectionRunner, head: number) => Promise<void>,
): Promise<void> {
  const url = storeUrl ?? process.env.ACCORD_STORE ?? DEFAULT_STORE_URL;
  const store = await openEventStore(url);
  const state = openApiState(url, process.env.ACCORD_READ_MODEL);
  try {
    const runner = new ProjectionRunner(store, state.db, allProjections, {
      onError: (name, error) => process.stderr.write(`projection ${name} failed: ${String(error)}\n`),
    });
    await work(runner, await headPosition(store));
  } finally {
    await state.close();
    await store.close();
  }
}
