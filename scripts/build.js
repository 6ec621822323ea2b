#!/usr/bin/env node
// Compiles apps/, libs/ and bench/ to dist/ with swc (decorator metadata on, aliases
// rewritten to relative paths). Type checking is `npm run typecheck` (tsc), not this.
const { execFileSync } = require('node:child_process');
const { existsSync, renameSync, rmSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const at = (name) => path.join(root, name);
// Build beside dist/ and swap it in, so a process running from dist/ never sees it half-built.
const next = `dist.next-${process.pid}`;
const old = `dist.old-${process.pid}`;
const swc = require.resolve('@swc/cli/bin/swc.js', { paths: [root] });
try {
  execFileSync(
    process.execPath,
    [
      swc,
      'apps',
      'libs',
      'bench',
      '-d',
      next,
      '--config-file',
      '.swcrc',
      '--copy-files',
      '--quiet',
      '--ignore',
      '**/*.spec.ts',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  if (existsSync(at('dist'))) renameSync(at('dist'), at(old));
  renameSync(at(next), at('dist'));
} finally {
  rmSync(at(next), { recursive: true, force: true });
  rmSync(at(old), { recursive: true, force: true });
}
