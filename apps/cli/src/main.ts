import { Command } from 'commander';
import { CliError, keysCommand } from './keys.command';
import { projectionsCommand } from './projections.command';

const program = new Command('accord')
  .description('accord: keys, audit, export/import, projections and store tools')
  .showHelpAfterError()
  .addCommand(keysCommand())
  .addCommand(projectionsCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CliError || (error instanceof Error && error.name === 'StoreUrlError')) {
    console.error(`accord: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
