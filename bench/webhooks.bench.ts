/**
 * Webhook delivery (issue 19): the real API in a child process (workers on) with one
 * subscription to every event, posting to a receiver on loopback, while commands flow at a
 * steady concurrency. Figures: events delivered per second over the run, and the lag from an
 * event's time (the CloudEvent `time`, the instant its command was decided, a millisecond or
 * two before the append commits) to its arrival at the receiver, p50 and p99.
 *
 * `node dist/bench/webhooks.bench.js [commands] [concurrency]` runs it alone on SQLite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figure } from './support/figures';
import { startApi } from './support/processes';
import type { BenchContext } from './scenarios/context';

export interface WebhooksBenchResult {
  readonly commands: number;
  readonly concurrency: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly commandsPerSecond: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly duplicates: number;
}

const ADMIN = `bench-webhooks-admin-${process.pid}-0123456789`;

const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

export async function webhooksBench(options: {
  storeUrl: string;
  commands: number;
  concurrency: number;
  say?: (message: string) => void;
}): Promise<WebhooksBenchResult> {
  const lags: number[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  let lastArrival = 0;
  let expected = Number.POSITIVE_INFINITY;
  let allArrived!: () => void;
  const arrived = new Promise<void>((resolve) => (allArrived = resolve));
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const now = Date.now();
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; time?: string };
      if (seen.has(event.id)) duplicates++;
      else {
        seen.add(event.id);
        if (event.time) lags.push(now - Date.parse(event.time));
        lastArrival = now;
        if (seen.size >= expected) allArrived();
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const api = await startApi(options.storeUrl, ADMIN, { ACCORD_WEBHOOK_ALLOW_PRIVATE: '1' });
  try {
    const call = async (path: string, body: unknown, key = ADMIN) => {
      const response = await fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    const secretariat = (await call('/admin/keys', { name: 's', role: 'secretariat' })).key as string;
    const ma = (await call('/admin/keys', { name: 'ma', role: 'integration', party: 'MA' })).key as string;
    const sub = await call('/subscriptions', { url: hook, filter: {}, from: 'now' });
    const agreement = await call(
      '/agreements',
      {
        title: 'Bench agreement',
        signedAt: '2014-03-11',
        signedIn: 'Rabat',
        parties: [
          { code: 'MA', name: 'Morocco', agencies: ['DGSN'] },
          { code: 'QA', name: 'Qatar', agencies: ['Ministry of Interior'] },
        ],
        domains: ['cybercrime'],
      },
      secretariat,
    );
    options.say?.(`webhooks: ${options.commands} commands at concurrency ${options.concurrency}, one subscription`);
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.commands) {
          const i = next++;
          await call(
            '/commitments',
            {
              agreementId: agreement.id,
              title: `C${i}`,
              description: 'd',
              domain: 'cybercrime',
              leadAgencies: ['DGSN'],
            },
            ma,
          );
        }
      }),
    );
    const commandSeconds = (Date.now() - started) / 1000;
    // The agreement and one CommitmentProposed per command.
    expected = options.commands + 1;
    if (seen.size >= expected) allArrived();
    await Promise.race([
      arrived,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`only ${seen.size} of ${expected} events arrived`)), 120_000),
      ),
    ]);
    void sub;
    const seconds = (lastArrival - started) / 1000;
    const sorted = [...lags].sort((a, b) => a - b);
    return {
      commands: options.commands,
      concurrency: options.concurrency,
      events: seen.size,
      seconds,
      eventsPerSecond: seen.size / seconds,
      commandsPerSecond: options.commands / commandSeconds,
      lagP50Ms: quantile(sorted, 0.5),
      lagP99Ms: quantile(sorted, 0.99),
      duplicates,
    };
  } finally {
    await api.stop();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}

export function webhooksFigures(store: Figure['store'], r: WebhooksBenchResult): Figure[] {
  const scenario = '10 webhooks';
  const note = `${r.commands} commands at concurrency ${r.concurrency} (${r.commandsPerSecond.toFixed(0)}/s), ${r.duplicates} duplicates`;
  return [
    { scenario, store, metric: 'events delivered/s', value: r.eventsPerSecond, unit: '/s', note },
    { scenario, store, metric: 'delivery lag p50', value: r.lagP50Ms, unit: 'ms' },
    { scenario, store, metric: 'delivery lag p99', value: r.lagP99Ms, unit: 'ms' },
  ];
}

/** The scenario as bench/run.ts runs it: SQLite, then PostgreSQL when it answers. */
export async function webhooksScenario(bench: BenchContext): Promise<void> {
  const commands = bench.quick ? 500 : 3_000;
  const sqlite = await bench.step('sqlite webhooks', () =>
    webhooksBench({ storeUrl: `sqlite:${join(bench.dir, 'webhooks.db')}`, commands, concurrency: 16, say: bench.say }),
  );
  if (sqlite) for (const figure of webhooksFigures('sqlite', sqlite)) bench.add(figure);
  if (!bench.postgres) return;
  const postgres = await bench.step('postgres webhooks', () =>
    webhooksBench({ storeUrl: bench.pgUrl('webhooks'), commands, concurrency: 16, say: bench.say }),
  );
  if (postgres) for (const figure of webhooksFigures('postgres', postgres)) bench.add(figure);
}

if (require.main === module) {
  const dir = mkdtempSync(join(tmpdir(), 'accord-webhooks-bench-'));
  const [commands = '300', concurrency = '16', store] = process.argv.slice(2);
  webhooksBench({
    storeUrl: store ?? `sqlite:${join(dir, 'accord.db')}`,
    commands: Number(commands),
    concurrency: Number(concurrency),
    say: (m) => process.stderr.write(`${m}\n`),
  })
    .then((result) => console.log(JSON.stringify(result)))
    .finally(() => rmSync(dir, { recursive: true, force: true }))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
