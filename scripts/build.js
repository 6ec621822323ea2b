#!/usr/bin/env node
// Compiles apps/, libs/ and bench/ to dist/ with swc (decorator metadata on, aliases
// rewritten to relative paths), and bundles the console (apps/console, Vite) to dist/console,
// which the API serves at /console. Type checking is `npm run typecheck` (tsc), not this.
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
      '--ignore',
      'apps/console/**',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  // The console is browser code: Vite bundles it (its config says how), swc does not touch it.
  const vite = path.join(path.dirname(require.resolve('vite/package.json', { paths: [root] })), 'bin', 'vite.js');
  // Each build writes to its own folder (renamed into place below), so two builds at once (two
  // test runs on one checkout) do not need Vite's one-build-per-project lock.
  execFileSync(
    process.execPath,
    [vite, 'build', '--bypass-lock', '--config', path.join('apps', 'console', 'vite.config.mts')],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ACCORD_CONSOLE_OUT: at(path.join(next, 'console')) },
    },
  );
  if (existsSync(at('dist'))) renameSync(at('dist'), at(old));
  renameSync(at(next), at('dist'));
} finally {
  rmSync(at(next), { recursive: true, force: true });
  rmSync(at(old), { recursive: true, force: true });
}
