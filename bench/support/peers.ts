import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** bench/.peers of the checkout, found upwards from this file (in bench/support or dist/bench/support). */
function peersDir(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'bench', '.peers');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`No bench/.peers above ${__dirname}`);
  }
}

/**
 * One of the emmett stores the bench compares accord with, loaded from its own folder (its
 * own node_modules, installed by scripts/bench-peers.js on the first `npm run bench`).
 */
export function requirePeer<T>(name: 'emmett-sqlite' | 'emmett-postgresql'): T {
  const dir = join(peersDir(), name);
  if (!existsSync(join(dir, 'node_modules'))) {
    throw new Error(
      `The bench peer ${name} is not installed: run \`node scripts/bench-peers.js\` (npm run bench does)`,
    );
  }
  return require(dir) as T;
}
