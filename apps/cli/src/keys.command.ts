import { parseInstant } from '@accord/audit';
import { DEFAULT_STORE_URL } from '@accord/store-factory';
import { Command, Option } from 'commander';
import { ApiKeyError, ApiKeys, LastAdminKeyError, type KeyView } from '../../api/src/auth/api-keys.service';
import { ROLES, type Role } from '../../api/src/auth/principal';
import { openApiState } from '../../api/src/infrastructure/state/open-api-state';

const STORE_OPTION = ['--store <url>', 'event store URL (default: $ACCORD_STORE or sqlite:./data/accord.db)'] as const;

/**
 * `accord keys create|list|revoke|rotate-admin`: keys straight in the configured store, for
 * bootstrapping and operations. Running API instances see a revocation within 2 s.
 */
export function keysCommand(): Command {
  const keys = new Command('keys').description('manage API keys');
  keys
    .command('create')
    .description('issue an API key; prints it once (only its hash is kept)')
    .addOption(new Option('--role <role>', 'the principal role').choices([...ROLES]).makeOptionMandatory())
    .option('--party <code>', 'party code (required for integration and delegate keys), e.g. MA')
    .option('--name <name>', 'a name to recognise the key by')
    .option(
      '--expires <when>',
      'refuse the key after this: an instant (2027-01-31T12:00:00Z) or a span (90d, 12h, 30m)',
    )
    .option(...STORE_OPTION)
    .option('--json', 'print {id, key, role, party, expiresAt} as JSON')
    .action(
      async (options: {
        role: Role;
        party?: string;
        name?: string;
        expires?: string;
        store?: string;
        json?: boolean;
      }) => {
        if (options.party !== undefined && !/^[A-Z]{2,10}$/.test(options.party)) {
          throw new CliError(`--party must be 2 to 10 upper-case letters, not "${options.party}"`);
        }
        const expiresAt = options.expires === undefined ? null : expiryOf(options.expires, Date.now());
        await withKeys(options.store, async (apiKeys) => {
          const name = options.name ?? `${options.role}${options.party ? ` ${options.party}` : ''}`;
          const { id, key } = await apiKeys.create({ name, role: options.role, party: options.party, expiresAt });
          if (options.json) {
            const issued = { id, key, role: options.role, party: options.party ?? null, expiresAt };
            process.stdout.write(`${JSON.stringify(issued)}\n`);
          } else {
            process.stdout.write(
              `Issued ${options.role} key ${id}${options.party ? ` for ${options.party}` : ''}` +
                `${expiresAt ? `, expiring at ${expiresAt}` : ''}.\n`,
            );
            process.stdout.write(`Key (shown once): ${key}\n`);
          }
        });
      },
    );

  keys
    .command('list')
    .description('every key: name, role, party, created, last used, expiry, status (never a secret)')
    .option(...STORE_OPTION)
    .option('--json', 'print the keys as a JSON array')
    .action(async (options: { store?: string; json?: boolean }) => {
      await withKeys(options.store, async (apiKeys) => {
        const items = await apiKeys.list();
        process.stdout.write(options.json ? `${JSON.stringify(items)}\n` : table(items));
      });
    });

  keys
    .command('revoke <id>')
    .description('revoke a key: every running API instance refuses it within 2 s')
    .option(...STORE_OPTION)
    .action(async (id: string, options: { store?: string }) => {
      await withKeys(options.store, async (apiKeys) => {
        const revoked = await apiKeys.revoke(id);
        if (!revoked) throw new CliError(`No API key ${id} (accord keys list shows them)`);
        process.stdout.write(`Revoked ${revoked.role} key ${revoked.id} (${revoked.name}) at ${revoked.revokedAt}.\n`);
      });
    });

  keys
    .command('rotate-admin')
    .description('issue a new admin key (printed once) and revoke every other admin key, ACCORD_ADMIN_KEY included')
    .option(...STORE_OPTION)
    .option('--json', 'print {id, key, revoked} as JSON')
    .action(async (options: { store?: string; json?: boolean }) => {
      await withKeys(options.store, async (apiKeys) => {
        const { id, key, revoked } = await apiKeys.rotateAdmin();
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ id, key, revoked })}\n`);
          return;
        }
        process.stdout.write(
          `Issued admin key ${id}; revoked ${revoked.length ? revoked.join(', ') : 'no other key'}.\n`,
        );
        process.stdout.write(`Key (shown once): ${key}\n`);
        process.stdout.write(
          'Set ACCORD_ADMIN_KEY to this key (or unset it) before the API restarts: a revoked key is never reinstated.\n',
        );
      });
    });
  return keys;
}

async function withKeys(storeUrl: string | undefined, work: (keys: ApiKeys) => Promise<void>): Promise<void> {
  const state = openApiState(storeUrl ?? process.env.ACCORD_STORE ?? DEFAULT_STORE_URL, process.env.ACCORD_READ_MODEL);
  try {
    await work(new ApiKeys(state));
  } catch (error) {
    if (error instanceof ApiKeyError || error instanceof LastAdminKeyError) throw new CliError(error.message);
    throw error;
  } finally {
    await state.close();
  }
}

const SPAN = /^(\d{1,6})([mhd])$/;
const SPAN_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--expires`: a span from now (90d, 12h, 30m) or an instant (ApiKeys checks it is in the future). */
function expiryOf(text: string, now: number): string {
  const span = SPAN.exec(text);
  if (!span) {
    if (parseInstant(text) === undefined) {
      throw new CliError(
        `--expires must be an instant with an offset (2027-01-31T12:00:00Z) or a span (90d, 12h, 30m), not "${text}"`,
      );
    }
    return text;
  }
  return new Date(now + Number(span[1]) * SPAN_MS[span[2] as keyof typeof SPAN_MS]).toISOString();
}

function table(items: readonly KeyView[]): string {
  if (items.length === 0) return 'No keys.\n';
  const rows = [
    ['ID', 'NAME', 'ROLE', 'PARTY', 'CREATED', 'LAST USED', 'EXPIRES', 'STATUS'],
    ...items.map((k) => [
      k.id,
      k.name,
      k.role,
      k.party ?? '-',
      k.createdAt,
      k.lastUsedAt ?? 'never',
      k.expiresAt ?? 'never',
      k.revokedAt ? `revoked ${k.revokedAt}` : k.status,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map(
      (r) =>
        `${r
          .map((cell, i) => cell.padEnd(widths[i]))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

/** A mistake of the user's: printed without a stack trace, exit code 2. */
export class CliError extends Error {}
