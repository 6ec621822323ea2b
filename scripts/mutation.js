#!/usr/bin/env node
// `npm run test:mutation [group…]`: Stryker once per group of stryker.config.mjs (each
// library's files against its own specs), then the per-file summary of every report
// (scripts/mutation-summary.js), which fails when a file scores under the bar.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const stryker = path.join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');

async function main() {
  const { groups } = await import(path.join(root, 'stryker.config.mjs'));
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in groups));
  if (unknown.length > 0) {
    console.error(`No mutation group ${unknown.join(', ')}; the groups are ${Object.keys(groups).join(', ')}`);
    process.exit(2);
  }
  const names = asked.length > 0 ? asked : Object.keys(groups);
  const started = Date.now();
  for (const name of names) {
    console.log(`\n== mutation testing: ${name} ==`);
    const run = spawnSync(process.execPath, [stryker, 'run', 'stryker.config.mjs'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ACCORD_MUTATION_LIB: name },
    });
    if (run.status !== 0) {
      console.error(`Stryker failed on ${name} (exit ${run.status ?? run.signal})`);
      process.exit(1);
    }
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const reports = names.map((name) => path.join(root, 'reports', 'mutation', name, 'mutation.json'));
  const summary = spawnSync(process.execPath, [path.join(__dirname, 'mutation-summary.js'), ...reports], {
    stdio: 'inherit',
  });
  console.log(
    `\nMutation testing took ${Math.floor(seconds / 60)} min ${seconds % 60} s; HTML reports in reports/mutation/<group>/mutation.html`,
  );
  process.exit(summary.status ?? 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
