// Drops the PostgreSQL schemas the end-to-end tests of this run created (accord_e2e_<run>_…).
const { Client } = require('pg');

module.exports = async () => {
  const run = process.env.ACCORD_TEST_RUN;
  if (!run) return;
  const client = new Client({
    connectionString: process.env.ACCORD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
  } catch {
    return; // no PostgreSQL: nothing was created there
  }
  try {
    const { rows } = await client.query(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'accord\\_e2e\\_' || $1 || '\\_%'",
      [run],
    );
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  } finally {
    await client.end();
  }
};
