#!/usr/bin/env node
// Compiles apps/, libs/ and bench/ to dist/ with swc (decorator metadata on, aliases
// rewritten to relative paths). Type checking is `npm run typecheck` (tsc), not this.
const { execFileSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const swc = require.resolve('@swc/cli/bin/swc.js', { paths: [root] });
execFileSync(
  process.execPath,
  [
    swc,
    'apps',
    'libs',
    'bench',
    '-d',
    'dist',
    '--config-file',
    '.swcrc',
    '--copy-files',
    '--quiet',
    '--ignore',
    '**/*.spec.ts',
  ],
  { cwd: root, stdio: 'inherit' },
);
