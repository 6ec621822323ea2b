// Tests that run accord in a child process (crash tests, the API's SIGTERM test) run
// the compiled code, so build it once before any suite starts. The run id names the
// PostgreSQL schemas this run creates, so the teardown drops exactly those.
const { execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { rmSync } = require('node:fs');
const path = require('node:path');

module.exports = async () => {
  process.env.ACCORD_TEST_RUN ??= randomBytes(4).toString('hex');
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build.js')], { stdio: 'inherit' });
  // Each worker writes what the contract check validated here (support/contract.ts); the teardown sums it.
  rmSync(path.join(__dirname, '..', 'reports', 'contract'), { recursive: true, force: true });
};
