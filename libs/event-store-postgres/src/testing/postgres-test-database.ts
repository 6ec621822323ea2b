import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { quoteIdentifier } from '../postgres-schema';

/**
 * For specs that need PostgreSQL: the test database, a unique schema per store, and the
 * rule for a missing server (fail under ACCORD_REQUIRE_PG=1, else skip with one warning).
 */
export const TEST_PG_URL = process.env.ACCORD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name; the store creates the schema, `dropTestSchema` removes it. */
export function testSchemaName(): string {
  return `accord_test_${randomBytes(6).toString('hex')}`;
}

export async function dropTestSchema(schema: string, url: string = TEST_PG_URL): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

let probed: { problem: string | undefined } | undefined;

/**
 * Why the test database cannot be used, or undefined when it can. Synchronous, because
 * jest collects `describe` blocks synchronously: a child process tries to connect.
 */
export function postgresProblem(url: string = TEST_PG_URL): string | undefined {
  if (probed) return probed.problem;
  const script = `
    const { Client } = require(process.argv[1]);
    const client = new Client({ connectionString: process.argv[2], connectionTimeoutMillis: 3000 });
    client.connect().then(() => client.query('SELECT 1')).then(() => client.end()).then(
      () => process.exit(0),
      (error) => { process.stderr.write(String(error && error.message || error)); process.exit(1); },
    );`;
  const probe = spawnSync(process.execPath, ['-e', script, require.resolve('pg'), url], {
    encoding: 'utf8',
    timeout: 10000,
  });
  const problem =
    probe.status === 0
      ? undefined
      : (probe.stderr || probe.error?.message || `probe exited with ${probe.status ?? probe.signal}`).trim();
  probed = { problem };
  return problem;
}

/**
 * `describe` when the test database answers. When it does not: a failing suite under
 * ACCORD_REQUIRE_PG=1 (CI), otherwise one warning line and a skipped suite.
 */
export function describeWithPostgres(name: string, body: () => void): void {
  const problem = postgresProblem();
  if (problem === undefined) {
    describe(name, body);
    return;
  }
  const where = TEST_PG_URL.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
  if (process.env.ACCORD_REQUIRE_PG === '1') {
    describe(name, () => {
      beforeAll(() => {
        throw new Error(`PostgreSQL is required (ACCORD_REQUIRE_PG=1) but ${where} is unreachable: ${problem}`);
      });
      it('needs PostgreSQL', () => undefined);
    });
    return;
  }
  console.warn(
    `Skipped the PostgreSQL suite "${name}": ${where} is unreachable (${problem}). ` +
      'Set ACCORD_TEST_PG_URL to a reachable database, or ACCORD_REQUIRE_PG=1 to fail instead.',
  );
  describe.skip(name, body);
}
