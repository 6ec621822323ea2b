import { DEFAULT_STORE_URL } from '@accord/store-factory';
import { Command, Option } from 'commander';
import { ApiKeyError, ApiKeys } from '../../api/src/auth/api-keys.service';
import { ROLES, type Role } from '../../api/src/auth/principal';
import { openApiState } from '../../api/src/state/open-api-state';

/** `accord keys create`: issues a key straight into the configured store, for bootstrapping. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('manage API keys');
  keys
    .command('create')
    .description('issue an API key; prints it once (only its hash is kept)')
    .addOption(new Option('--role <role>', 'the principal role').choices([...ROLES]).makeOptionMandatory())
    .option('--party <code>', 'party code (required for integration and delegate keys), e.g. MA')
    .option('--name <name>', 'a name to recognise the key by')
    .option('--store <url>', 'event store URL (default: $ACCORD_STORE or sqlite:./data/accord.db)')
    .option('--json', 'print {id, key, role, party} as JSON')
    .action(async (options: { role: Role; party?: string; name?: string; store?: string; json?: boolean }) => {
      if (options.party !== undefined && !/^[A-Z]{2,10}$/.test(options.party)) {
        throw new CliError(`--party must be 2 to 10 upper-case letters, not "${options.party}"`);
      }
      const state = openApiState(
        options.store ?? process.env.ACCORD_STORE ?? DEFAULT_STORE_URL,
        process.env.ACCORD_READ_MODEL,
      );
      try {
        const name = options.name ?? `${options.role}${options.party ? ` ${options.party}` : ''}`;
        const { id, key } = await new ApiKeys(state).create({ name, role: options.role, party: options.party });
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ id, key, role: options.role, party: options.party ?? null })}\n`);
        } else {
          process.stdout.write(`Issued ${options.role} key ${id}${options.party ? ` for ${options.party}` : ''}.\n`);
          process.stdout.write(`Key (shown once): ${key}\n`);
        }
      } catch (error) {
        if (error instanceof ApiKeyError) throw new CliError(error.message);
        throw error;
      } finally {
        await state.close();
      }
    });
  return keys;
}

/** A mistake of the user's: printed without a stack trace, exit code 2. */
export class CliError extends Error {}
