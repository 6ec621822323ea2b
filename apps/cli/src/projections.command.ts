import { userInfo } from 'node:os';
import { allProjections } from '@accord/read-models';
import {
  ProjectionRunner,
  RebuildFailedError,
  SkipRefusedError,
  UnknownProjectionError,
} from '@accord/projection-runner';
import { headPosition } from '@accord/event-store';
import { DEFAULT_STORE_URL, openEventStore } from '@accord/store-factory';
import { Command } from 'commander';
import { openApiState } from '../../api/src/infrastructure/state/open-api-state';
import { CliError } from './keys.command';
import { progressBar } from './progress';

/** `accord projections list|rebuild|skip`: read models beside the configured store. */
export function projectionsCommand(): Command {
  const command = new Command('projections').description('inspect, rebuild and unblock read models');
  const storeOption = ['--store <url>', 'event store URL (default: $ACCORD_STORE or sqlite:./data/accord.db)'] as const;

  command
    .command('list')
    .description("each read model's version, generation, checkpoint and state")
    .option(...storeOption)
    .action(async (options: { store?: string }) => {
      await withRunner(options.store, async (runner, head) => {
        const skips = await runner.skips();
        for (const s of await runner.status()) {
          const failure = s.failure
            ? `  on event ${s.failure.position} since ${s.failure.since}: ${s.failure.error}`
            : '';
          process.stdout.write(
            `${s.name.padEnd(20)} v${s.version} g${s.generation}  checkpoint ${s.checkpoint}/${head}  ${s.state}${failure}\n`,
          );
          if (s.rebuild) {
            const stopped = s.rebuild.failure
              ? `  stopped on event ${s.rebuild.failure.position}: ${s.rebuild.failure.error}`
              : '';
            process.stdout.write(
              `${''.padEnd(20)} rebuilding v${s.rebuild.version} g${s.rebuild.generation}  checkpoint ${s.rebuild.checkpoint}/${head}${stopped}\n`,
            );
          }
          for (const skip of skips.filter((k) => k.projection === s.name)) {
            process.stdout.write(
              `${''.padEnd(20)} skips event ${skip.position} (${skip.type} ${skip.eventId}), by ${skip.by} at ${skip.at}: ${skip.reason}\n`,
            );
          }
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
        let stopped: RebuildFailedError | undefined;
        try {
          await runner.rebuild(names, (position) => bar.update(position));
          bar.update(head);
        } catch (error) {
          if (!(error instanceof RebuildFailedError)) throw error;
          stopped = error;
        } finally {
          bar.stop();
        }
        const seconds = (Date.now() - started) / 1000;
        const statuses = await runner.status();
        for (const projectionName of names) {
          const status = statuses.find((s) => s.name === projectionName)!;
          if (stopped?.failures.some((f) => f.projection === projectionName)) continue;
          if (names.length > 1) process.stderr.write(`rebuild ${projectionName}: done\n`);
          process.stdout.write(
            `${projectionName}: generation ${status.generation} is live at position ${status.checkpoint} (${seconds.toFixed(1)} s)\n`,
          );
        }
        if (stopped) {
          const hints = stopped.failures.map(
            ({ projection, failure }) =>
              `the rebuild of ${projection} stopped on event ${failure.position} (${failure.type} ${failure.eventId}): ${failure.error}\n` +
              `  fix the projection and rebuild again (it resumes there), or skip the event:\n` +
              `  accord projections skip ${projection} --position ${failure.position} --reason "<why>"`,
          );
          throw new CliError(hints.join('\n'));
        }
      });
    });

  command
    .command('skip <name>')
    .description(
      'record that a read model passes over the event it failed on (who, when, why): a running API resumes it at its next try, a stopped rebuild with the next rebuild',
    )
    .requiredOption('--position <position>', 'the position of the event it failed on')
    .requiredOption('--reason <text>', 'why it is skipped (kept on record)')
    .option('--by <who>', 'who skips it (default: the user running the command)')
    .option('--force', 'skip it even though the read model has not failed on it')
    .option(...storeOption)
    .action(
      async (
        name: string,
        options: { position: string; reason: string; by?: string; force?: boolean; store?: string },
      ) => {
        const position = Number(options.position);
        if (!Number.isSafeInteger(position) || position < 1) {
          throw new CliError(`--position must be a positive integer, not ${options.position}`);
        }
        if (options.reason.trim() === '') throw new CliError('--reason must say why');
        await withRunner(options.store, async (runner) => {
          let skip;
          try {
            skip = await runner.skip(name, {
              position,
              reason: options.reason,
              by: options.by ?? userInfo().username,
              force: options.force,
            });
          } catch (error) {
            if (error instanceof UnknownProjectionError || error instanceof SkipRefusedError) {
              throw new CliError(error.message);
            }
            throw error;
          }
          process.stdout.write(
            `${name} skips event ${skip.position} (${skip.type} ${skip.eventId}), recorded by ${skip.by} at ${skip.at}\n`,
          );
        });
      },
    );
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
      // No request waits on this process: its build writer keeps the process's priority.
      backgroundWriter: false,
    });
    await work(runner, await headPosition(store));
  } finally {
    await state.close();
    await store.close();
  }
}
