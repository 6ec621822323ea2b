/**
 * Whether one request can stall everyone (issue 12, item 6): the API on the bench's large
 * SQLite log, while as-of dashboards, long streams' state, a cold digest, a rebuild started
 * from the API and hostile bodies run, phase by phase and then all at once. During each
 * phase /health is probed every 10 ms from outside (its p99 is what a load balancer feels),
 * and the API's own event-loop delay is sampled inside it with perf_hooks'
 * monitorEventLoopDelay (bench/support/loop-delay-probe.ts, preloaded; SIGUSR2 reads it).
 *
 * `npm run bench` runs it on its copy of the 1M-event log (scenario 8). Alone, after
 * `npm run build`:
 *
 *     node dist/bench/event-loop.bench.js [--quick]
 *
 * reuses (or generates once) the same cached log as `npm run bench` ($ACCORD_BENCH_CACHE),
 * works on a copy, and prints the figures.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { copyToDisk } from './support/copy-to-disk';
import { table, type Figure } from './support/figures';
import { AGREEMENT } from './support/log-generator';
import type { LoopDelaySample } from './support/loop-delay-probe';
import { DIST, runTask, sampleFileSize, startApi, walFileOf, type ServerProcess } from './support/processes';

export const EVENT_LOOP_SCENARIO = '8 event loop under heavy reads and hostile bodies';
const PROBE_SCRIPT = join(DIST, 'bench', 'support', 'loop-delay-probe.js');
const HEALTH_EVERY_MS = 10;
/** The projection an API-started rebuild replays: one row per event, the heaviest. */
const REBUILT = 'commitment-history';

export interface LargeLog {
  readonly events: number;
  readonly commitmentIds: readonly string[];
  readonly longCommitmentId?: string;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** Plain node:http, so that the figures are the server's and not a client library's. */
function send(
  agent: Agent,
  url: string,
  method: 'GET' | 'POST',
  path: string,
  key: string | undefined,
  body?: string,
): Promise<Answer> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method,
        agent,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface HealthFigures {
  readonly probes: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (ms: number): number => Math.round(ms * 10) / 10;

/**
 * Sends GET /health every 10 ms whatever happened to the ones before (a stalled server
 * piles them up, each timed from when it was due), on keep-alive connections of its own,
 * opened before the first phase and kept across phases, as a load balancer's checker keeps
 * them. (A prober that opened its connections as a heavy phase began measured that instead:
 * 30 new connections in the first 300 ms, each accepted and then read on later turns of a
 * busy loop, gave /health p99 of 100 to 300 ms where warm connections gave 35 to 60.)
 */
const PROBE_SOCKETS = 32;

class HealthProbe {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: PROBE_SOCKETS });
  private readonly latencies: number[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failed = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly url: string) {}

  start(): void {
    this.latencies.length = 0;
    this.failed = 0;
    this.timer = setInterval(() => this.probe(), HEALTH_EVERY_MS);
  }

  /** Stops probing and gives the figures since `start`; the connections stay open for the next. */
  async stop(): Promise<HealthFigures> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      probes: sorted.length,
      failed: this.failed,
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(sorted.at(-1) ?? 0),
    };
  }

  /** Opens its connections, all of them at once (as many as a stall can pile probes up on). */
  async warm(): Promise<void> {
    await Promise.all(
      Array.from({ length: PROBE_SOCKETS }, () => send(this.agent, this.url, 'GET', '/health', undefined)),
    );
  }

  close(): void {
    this.agent.destroy();
  }

  private probe(): void {
    const started = performance.now();
    const done = send(this.agent, this.url, 'GET', '/health', undefined).then(
      (answer) => {
        if (answer.status !== 200) this.failed++;
      },
      () => void this.failed++,
    );
    const probe = done.finally(() => {
      this.latencies.push(performance.now() - started);
      this.inFlight.delete(probe);
    });
    this.inFlight.add(probe);
  }
}

/** The API's own event-loop delay since the last reading (the preloaded probe answers SIGUSR2). */
async function readLoopDelay(api: ServerProcess, file: string, after: number): Promise<LoopDelaySample> {
  api.child.kill('SIGUSR2');
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (existsSync(file)) {
      const sample = JSON.parse(readFileSync(file, 'utf8')) as LoopDelaySample;
      if (sample.sequence > after) return sample;
    }
    if (Date.now() > deadline) throw new Error('the API never answered the loop-delay probe');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Phase {
  readonly name: string;
  readonly run: () => Promise<string>;
  /** The idle phase is a baseline: no targets. */
  readonly baseline?: boolean;
}

export interface EventLoopOptions {
  /** A SQLite store URL holding the large log, its read models built. */
  readonly url: string;
  readonly log: LargeLog;
  readonly adminKey: string;
  readonly quick: boolean;
  readonly say: (message: string) => void;
}

/** Runs the phases against a fresh API on `url` and returns the figures (scenario 8). */
export async function eventLoopFigures(options: EventLoopOptions): Promise<Figure[]> {
  const { url, log, adminKey, quick, say } = options;
  if (!log.longCommitmentId) throw new Error('the log has no long commitment');
  const dir = mkdtempSync(join(tmpdir(), 'accord-loop-probe-'));
  const probeFile = join(dir, 'loop-delay.json');
  const api = await startApi(url, adminKey, {
    NODE_OPTIONS: `--require ${PROBE_SCRIPT}`,
    ACCORD_LOOP_PROBE_FILE: probeFile,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const call = async (method: 'GET' | 'POST', path: string, key: string, body?: unknown, ok = [200, 201, 202]) => {
    const answer = await send(agent, api.url, method, path, key, body === undefined ? undefined : JSON.stringify(body));
    if (!ok.includes(answer.status))
      throw new Error(`${method} ${path}: ${answer.status} ${answer.body.slice(0, 300)}`);
    return answer.body ? (JSON.parse(answer.body) as Record<string, unknown>) : {};
  };
  try {
    const key = async (role: string, party?: string) =>
      String((await call('POST', '/admin/keys', adminKey, { name: `loop ${role}`, role, party })).key);
    const auditor = await key('auditor');
    const integration = await key('integration', 'MA');
    say('  waiting for the read models and the process manager to catch up');
    for (;;) {
      const status = await call('GET', '/projections', adminKey);
      const lags = [...(status.items as { lag: number }[]), status.processManager as { lag: number }];
      if (lags.every((item) => item.lag === 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    const agreementId = AGREEMENT.agreementId;
    const longId = log.longCommitmentId;
    // The generated log's clock starts at 2026-01-01 and moves a second an event.
    const middle = new Date(Date.UTC(2026, 0, 1) + Math.floor(log.events / 2) * 1000).toISOString();
    const statusesOf = (answers: readonly Answer[]): string => {
      const counts = new Map<number, number>();
      for (const a of answers) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
      return [...counts].map(([status, n]) => `${n} × ${status}`).join(', ');
    };
    const get = (path: string, k = auditor) => send(agent, api.url, 'GET', path, k);
    const dashboards = () =>
      Promise.all([
        get(`/agreements/${agreementId}/dashboard?asOf=2100-01-01T00:00:00Z`),
        get(`/agreements/${agreementId}/dashboard?asOf=${encodeURIComponent(middle)}`),
      ]);
    const longStates = async () => {
      const answers: Answer[] = [];
      for (let i = 0; i < (quick ? 5 : 10); i++) {
        answers.push(await get(`/commitments/${longId}/state`));
        answers.push(await get(`/commitments/${longId}/state?revision=${5000 + i}`));
      }
      return answers;
    };
    // 250,000 empty objects (750 KB) and an object 5,000 deep: both under the 1 MiB limit.
    const wide = JSON.stringify({
      percent: 50,
      narrative: 'Hostile.',
      evidence: Array.from({ length: 250_000 }, () => ({})),
    });
    const deep = `{"percent":50,"narrative":"Hostile.","evidence":[${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}]}`;
    // Within every shape limit (100 entries, 59 keys each, 5,903 values), so it reaches the
    // validation pipe: the costliest body validation walks (5,903 fields fail).
    const widest = JSON.stringify({
      percent: 50,
      narrative: 'Hostile.',
      evidence: Array.from({ length: 100 }, () => ({
        title: 't',
        uri: 'https://e.org/a',
        ...Object.fromEntries(Array.from({ length: 57 }, (_, k) => [`unknown${k}`, 'v'])),
      })),
    });
    const hostile = () => {
      const target = `/commitments/${log.commitmentIds[0]}/progress`;
      const post = (body: string) =>
        send(agent, api.url, 'POST', target, integration, body).catch(() => ({ status: 0, body: '' }));
      return Promise.all([post(wide), post(wide), post(wide), post(deep), post(widest)]);
    };
    const rebuild = async () => {
      await call('POST', `/admin/projections/${REBUILT}/rebuild`, adminKey);
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const status = await call('GET', '/projections', adminKey);
        const item = (status.items as { name: string; state: string; retiring: string[] }[]).find(
          (i) => i.name === REBUILT,
        );
        // Done once the old generation's tables are dropped too (in the background, after the swap).
        if (item?.state === 'live' && item.retiring.length === 0) return 'rebuilt, swapped in, old tables dropped';
      }
    };

    const phases: Phase[] = [
      {
        name: 'idle',
        baseline: true,
        run: async () => (await new Promise((resolve) => setTimeout(resolve, 2000)), 'nothing but /health'),
      },
      {
        name: 'as-of dashboards',
        run: async () => `2 concurrent, whole log and half of it: ${statusesOf(await dashboards())}`,
      },
      {
        name: 'long-stream state',
        run: async () =>
          `GET /commitments/{id}/state on 10,000 events, one after the other: ${statusesOf(await longStates())}`,
      },
      {
        name: 'cold digest',
        run: async () => `GET /audit/digest over the whole log: ${statusesOf([await get('/audit/digest')])}`,
      },
      {
        name: 'rebuild from the API',
        run: async () => `POST /admin/projections/${REBUILT}/rebuild: ${await rebuild()}`,
      },
      {
        name: 'heavy reads at once',
        run: async () => {
          const [a, b, c] = await Promise.all([dashboards(), longStates(), get('/audit/digest')]);
          return `dashboards, long-stream states, digest (warm): ${statusesOf([...a, ...b, c])}`;
        },
      },
      {
        name: 'hostile bodies',
        run: async () =>
          `3 bodies of 250,000 {}, 1 nested 5,000 deep, 1 of 100 × 59 keys: ${statusesOf(await hostile())}`,
      },
      {
        name: 'all at once',
        run: async () => {
          const [a, b, c, d] = await Promise.all([dashboards(), longStates(), hostile(), get('/audit/digest')]);
          return `dashboards, long-stream states, hostile bodies, digest: ${statusesOf([...a, ...b, ...c, d])}`;
        },
      },
    ];

    // ACCORD_BENCH_PHASES=idle,rebuild from the API (names, comma-separated): only those phases.
    const only = (process.env.ACCORD_BENCH_PHASES ?? '').split(',').filter(Boolean);
    if (only.length > 0) phases.splice(0, phases.length, ...phases.filter((p) => only.includes(p.name)));
    const figures: Figure[] = [];
    const probe = new HealthProbe(api.url);
    await probe.warm();
    // The -wal file through every phase: heavy reads beside the workers' and the rebuild's writes.
    const walFile = walFileOf(url);
    const wal = walFile === undefined ? undefined : sampleFileSize(walFile, 100);
    const own = monitorEventLoopDelay({ resolution: 10 });
    let sequence = (await readLoopDelay(api, probeFile, 0)).sequence;
    for (const phase of phases) {
      sequence = (await readLoopDelay(api, probeFile, sequence)).sequence; // starts afresh
      own.reset();
      own.enable();
      probe.start();
      const started = performance.now();
      const what = await phase.run();
      const ms = Math.round(performance.now() - started);
      const health = await probe.stop();
      own.disable();
      const loop = await readLoopDelay(api, probeFile, sequence);
      sequence = loop.sequence;
      say(
        `  ${phase.name} (${(ms / 1000).toFixed(1)} s; ${what}): worst loop delay ${loop.maxMs} ms (p99 ${loop.p99Ms}), ` +
          `/health p99 ${health.p99Ms} ms, max ${health.maxMs} ms, ${health.failed} of ${health.probes} failed` +
          ` (the prober's own worst delay ${Math.round(own.max / 1e6)} ms)`,
      );
      // Issue 20: no turn of the loop longer than 50 ms, and /health answered within 20 ms (p99).
      const delayTarget = phase.baseline ? {} : { target: '<= 50' };
      const healthTarget = phase.baseline ? {} : { target: '<= 20' };
      const figure = (metric: string, value: number, extra: Partial<Figure> = {}) =>
        figures.push({ scenario: EVENT_LOOP_SCENARIO, store: 'sqlite', metric, value, unit: 'ms', ...extra });
      figure(`${phase.name}: worst event-loop delay in the API (monitorEventLoopDelay)`, loop.maxMs, {
        ...delayTarget,
        note: `${what}; ${(ms / 1000).toFixed(1)} s`,
      });
      figure(`${phase.name}: /health p99 (probed every ${HEALTH_EVERY_MS} ms)`, health.p99Ms, healthTarget);
      figure(`${phase.name}: /health max`, health.maxMs);
      figures.push({
        scenario: EVENT_LOOP_SCENARIO,
        store: 'sqlite',
        metric: `${phase.name}: /health probes not answered 200`,
        value: health.failed,
        unit: 'probes',
      });
    }
    probe.close();
    if (wal) {
      figures.push({
        scenario: EVENT_LOOP_SCENARIO,
        store: 'sqlite',
        metric: 'every phase: SQLite WAL, peak',
        value: wal.stop().peakMb,
        unit: 'MiB',
        target: '<= 64',
        note: 'the size of the -wal file, sampled every 100 ms from the first phase to the last',
      });
    }
    return figures;
  } finally {
    agent.destroy();
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const size = (n: number) =>
  n >= 1_000_000 ? `${Math.round(n / 100_000) / 10}M` : n >= 1000 ? `${Math.round(n / 1000)}k` : String(n);

/** As bench/run.ts's cache: the same file names, so either reuses the log the other generated. */
async function cachedLog(quick: boolean, say: (message: string) => void): Promise<{ file: string; meta: LargeLog }> {
  const events = quick ? 30_000 : 1_000_000;
  const cacheDir = process.env.ACCORD_BENCH_CACHE ?? join(tmpdir(), 'accord-bench-cache');
  const file = join(cacheDir, `log-${size(events)}-v2.db`);
  if (existsSync(file) && existsSync(`${file}.json`)) {
    say(`reusing the ${size(events)}-event log in ${file}`);
    return { file, meta: JSON.parse(readFileSync(`${file}.json`, 'utf8')) as LargeLog };
  }
  mkdirSync(cacheDir, { recursive: true });
  const building = `${file}.building`;
  rmSync(building, { force: true });
  say(`generating a ${size(events)}-event log with its read models (once; kept in ${cacheDir})`);
  const meta = await runTask<LargeLog>(['prepare', `sqlite:${building}`, String(events - 4000), '10000', '1000', '0'], {
    onLine: (line) => say(line.trim()),
  });
  say('building its read models');
  await runTask(['rebuild', `sqlite:${building}`]);
  for (const suffix of ['-wal', '-shm']) rmSync(building + suffix, { force: true });
  copyToDisk(building, file);
  rmSync(building, { force: true });
  const kept = { events: meta.events, commitmentIds: meta.commitmentIds, longCommitmentId: meta.longCommitmentId };
  writeFileSync(`${file}.json`, JSON.stringify(kept));
  return { file, meta: kept };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const say = (message: string): void => void process.stderr.write(`${message}\n`);
  const { file, meta } = await cachedLog(quick, say);
  const dir = mkdtempSync(join(tmpdir(), 'accord-loop-bench-'));
  try {
    const copy = join(dir, 'large.db');
    copyToDisk(file, copy);
    const figures = await eventLoopFigures({
      url: `sqlite:${copy}`,
      log: meta,
      adminKey: `bench-admin-${randomBytes(12).toString('hex')}`,
      quick,
      say,
    });
    console.log(table(figures));
    console.log(JSON.stringify({ events: meta.events, figures }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
