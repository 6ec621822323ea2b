import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  keyOnTwoTargets,
  keyReuseWave,
  positionsWave,
  retryWave,
  setUp,
  writersWave,
  type Fixture,
} from './support/ack-waves';
import { API_MAIN, startServer, type ServerProcess } from './support/processes';

/**
 * Are the answers true? Waves of commands against one and two API instances on SQLite and
 * PostgreSQL (issue 12, items 1 and 11), counted by what the log holds afterwards:
 *
 *   node dist/bench/acknowledgements.bench.js [--api <dist/apps/api/src/main.js of any build>] [--pg <url>]
 *
 * `--api` points at another build's API, so that a before/after comparison is one run.
 */
const ADMIN_KEY = 'bench-admin-key-0123456789';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function instances(api: string, storeUrl: string, count: number): Promise<ServerProcess[]> {
  const started: ServerProcess[] = [];
  for (let i = 0; i < count; i++) {
    started.push(
      await startServer(api, {
        ACCORD_STORE: storeUrl,
        ACCORD_ADMIN_KEY: ADMIN_KEY,
        ACCORD_WORKERS: i === 0 ? 'on' : 'off',
        ACCORD_IDEMPOTENCY_LEASE_MS: '2000',
        LOG_LEVEL: 'warn',
      }),
    );
  }
  return started;
}

async function waves(api: string, storeUrl: string, count: number): Promise<Record<string, unknown>> {
  const servers = await instances(api, storeUrl, count);
  try {
    const f: Fixture = await setUp(
      servers.map((s) => s.url),
      ADMIN_KEY,
    );
    const figures: Record<string, unknown> = {
      keyReuse: await keyReuseWave(f),
      keyOnTwoTargets: await keyOnTwoTargets(f),
      positions: await positionsWave(f),
      writers: await writersWave(f, 50, 38),
    };
    const victim = servers[servers.length - 1];
    figures.retryWithSigkill =
      count > 1 ? await retryWave(f, { midWave: () => void victim.child.kill('SIGKILL') }) : await retryWave(f);
    return figures;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function main(): Promise<void> {
  const api = arg('--api') ?? API_MAIN;
  const pgUrl = arg('--pg') ?? process.env.ACCORD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const results: Record<string, unknown> = { api };
  for (const count of [1, 2]) {
    const dir = mkdtempSync(join(tmpdir(), 'accord-ack-'));
    try {
      results[`sqlite × ${count}`] = await waves(api, `sqlite:${join(dir, 'accord.db')}`, count);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const admin = new Client({ connectionString: pgUrl });
    await admin.connect();
    const database = `accord_ack_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${database}`);
    try {
      const url = new URL(pgUrl);
      url.pathname = `/${database}`;
      results[`postgres × ${count}`] = await waves(api, url.toString(), count);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
    console.error(JSON.stringify(results, null, 2));
  }
  console.log(JSON.stringify(results));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
