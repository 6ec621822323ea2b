import { Command } from 'commander';
import { auditCommand } from './audit.command';
import { backupCommand, restoreCommand } from './backup.command';
import { exportCommand, importCommand } from './export.command';
import { CliError, keysCommand } from './keys.command';
import { minutesCommand } from './minutes.command';
import { projectionsCommand } from './projections.command';
import { storeCommand } from './store.command';
import { witnessCommand } from './witness.command';

const program = new Command('accord')
  .description('accord: keys, audit, export/import, minutes, projections and store tools')
  .showHelpAfterError()
  .addCommand(keysCommand())
  .addCommand(projectionsCommand())
  .addCommand(storeCommand())
  .addCommand(backupCommand())
  .addCommand(restoreCommand())
  .addCommand(auditCommand())
  .addCommand(exportCommand())
  .addCommand(importCommand())
  .addCommand(minutesCommand())
  .addCommand(witnessCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CliError || (error instanceof Error && error.name === 'StoreUrlError')) {
    console.error(`accord: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
