#!/usr/bin/env node
// The `accord` command (npx accord …). It runs the compiled CLI that `npm ci` builds.
const path = require('node:path');
const fs = require('node:fs');

const main = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(main)) {
  console.error('accord: the CLI is not built yet; run `npm run build` (npm ci does it) and try again.');
  process.exit(1);
}
require(main);
