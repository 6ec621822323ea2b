// Drops the PostgreSQL schemas the end-to-end tests of this run created (accord_e2e_<run>_…),
// and sums what the contract check validated (support/contract.ts).
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');
const { Client } = require('pg');

function reportContract() {
  const dir = path.join(__dirname, '..', 'reports', 'contract');
  if (!existsSync(dir)) return;
  const operations = new Map();
  let validated = 0;
  let unmatched = 0;
  let violations = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const tally = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    validated += tally.validated;
    unmatched += tally.unmatched;
    violations += tally.violations;
    for (const [id, statuses] of Object.entries(tally.operations)) {
      operations.set(id, new Set([...(operations.get(id) ?? []), ...statuses]));
    }
  }
  const documentPath = path.join(__dirname, '..', 'openapi', 'accord.json');
  const documented = [];
  if (existsSync(documentPath)) {
    const document = JSON.parse(readFileSync(documentPath, 'utf8'));
    for (const methods of Object.values(document.paths)) {
      for (const operation of Object.values(methods)) if (operation.operationId) documented.push(operation.operationId);
    }
  }
  const unseen = documented.filter((id) => !operations.has(id));
  console.log(
    `\ncontract: ${validated} answers validated against the OpenAPI document (${unmatched} to no operation), ` +
      `${violations} violations; ${operations.size} operations answered` +
      (documented.length
        ? ` of ${documented.length} documented${unseen.length ? ` (not exercised: ${unseen.join(', ')})` : ''}`
        : ''),
  );
}

module.exports = async () => {
  reportContract();
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
