#!/usr/bin/env node
// The emmett stores the bench compares accord with (bench/.peers/*) are installed here, on the
// first `npm run bench`, never by `npm ci`: emmett-sqlite needs sqlite3, a native module that
// npm compiles from source on these machines, which every user would otherwise wait for.
// Each peer is pinned by its own package-lock.json; a peer is installed again when its lock
// changes. `node scripts/bench-peers.js --check` only says whether they are installed.
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const path = require('node:path');

const peersDir = path.join(__dirname, '..', 'bench', '.peers');
const PEERS = ['emmett-sqlite', 'emmett-postgresql'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The lock a peer was installed from, recorded beside its node_modules. */
const stampOf = (dir) => path.join(dir, 'node_modules', '.accord-installed-from');
const lockHash = (dir) =>
  createHash('sha256')
    .update(readFileSync(path.join(dir, 'package-lock.json')))
    .digest('hex');
const installed = (dir) => existsSync(stampOf(dir)) && readFileSync(stampOf(dir), 'utf8') === lockHash(dir);

function main() {
  const missing = PEERS.filter((peer) => !installed(path.join(peersDir, peer)));
  if (process.argv.includes('--check')) {
    if (missing.length > 0) console.log(`bench peers not installed: ${missing.join(', ')}`);
    process.exit(missing.length > 0 ? 1 : 0);
  }
  for (const peer of missing) {
    const dir = path.join(peersDir, peer);
    console.log(
      `bench: installing ${peer} for the peer comparison (once${peer === 'emmett-sqlite' ? '; sqlite3 compiles from source, a few minutes on 2 cores' : ''}) …`,
    );
    const started = Date.now();
    const run = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel', 'error'], {
      cwd: dir,
      stdio: 'inherit',
    });
    if (run.status !== 0) {
      console.error(`bench: installing ${peer} failed (npm ci exit ${run.status ?? run.signal}) in ${dir}`);
      process.exit(1);
    }
    writeFileSync(stampOf(dir), lockHash(dir));
    console.log(`bench: ${peer} installed in ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

main();
