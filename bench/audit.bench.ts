/**
 * How fast `accord audit verify` goes through a log, against how fast the store can merely
 * be read, and how much memory `accord export` and `accord import` take (issue 7: at least
 * 200,000 events/s on SQLite; a million events exported under 200 MB RSS; issue 20: the
 * default number of worker threads is never slower than one thread). Run after
 * `node scripts/build.js`:
 *
 *     node dist/bench/audit.bench.js [events=1000000 ...] [--rounds=3] [--keep]
 *
 * For each size given (several: `20000 100000 500000`) it writes a log of realistic,
 * hash-chained commitment events into a temporary SQLite file (streams of ten, interleaved),
 * then measures, round after round and alternating, on the same log: the raw read (every
 * event page by page with the store, no hashing), export's own work (the same pages made
 * into ndjson lines, not written), verification in this thread, with the default choice
 * (defaultWorkers: what the CLI does when --workers is not given) and with as many workers
 * as the machine has (at most 8), each as events/s (best round) and CPU µs per event. The
 * ratios are those of one run: timings on a shared machine are noisy. The CLI's export and
 * import then run as child processes on the largest log, sampling their peak resident set
 * (VmHWM). The load average is printed.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chainEvents,
  defaultWorkers,
  readLogPages,
  toNdjsonLine,
  verifyLog,
  verifyLogInWorkers,
  type VerifyReport,
} from '@accord/audit';
import { commitmentStreamId } from '@accord/commitments';
import type { NewEvent } from '@accord/event-store';
import { SqliteEventStore } from '@accord/event-store-sqlite';

const given = process.argv
  .slice(2)
  .filter((a) => /^\d+$/.test(a))
  .map(Number);
const SIZES = given.length > 0 ? given.sort((a, b) => a - b) : [1_000_000];
const ROUNDS = Number(/^--rounds=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--rounds=')) ?? '')?.[1] ?? 3);
const KEEP = process.argv.includes('--keep');
const STREAM_LENGTH = 10;
const ACTIVE_STREAMS = 500;
const CLI = join(__dirname, '..', 'apps', 'cli', 'src', 'main.js');

function event(commitmentId: string, revision: number, at: number): NewEvent {
  const metadata = {
    commandId: randomUUID(),
    correlationId: randomUUID(),
    causationId: randomUUID(),
    actor: { id: randomUUID(), role: 'integration', party: 'MA' },
    occurredAt: new Date(at).toISOString(),
  };
  if (revision === 0) {
    return {
      id: randomUUID(),
      type: 'CommitmentProposed',
      data: {
        commitmentId,
        agreementId: '5e1b1c7e-2f0a-4c55-9d2e-7c3f1d0b9a11',
        title: 'Joint training on cybercrime investigation',
        description: 'Exchange of expertise between DGSN and the Ministry of Interior',
        domain: 'cybercrime',
        leadAgencies: ['DGSN', 'Ministry of Interior'],
        dueDate: '2027-06-30',
        priority: 'normal',
        proposingParty: 'MA',
      },
      metadata,
    };
  }
  return {
    id: randomUUID(),
    type: 'ProgressReported',
    data: {
      commitmentId,
      percent: revision * 10,
      narrative: 'Liaison officers exchanged; the joint team met in Rabat.',
      evidence: [{ title: 'Minutes', uri: `https://example.org/minutes/${revision}` }],
    },
    metadata,
  };
}

/** Streams of STREAM_LENGTH events, ACTIVE_STREAMS at a time, one event each per round. */
async function generate(file: string, events: number): Promise<void> {
  const store = await SqliteEventStore.open(file);
  const streams = new Map<string, { revision: number; hash: string }>();
  let written = 0;
  let at = Date.UTC(2026, 0, 1);
  let next = 0;
  const started = Date.now();
  while (written < events) {
    while (streams.size < ACTIVE_STREAMS && next * STREAM_LENGTH < events) {
      streams.set(randomUUID(), { revision: -1, hash: '0'.repeat(64) });
      next++;
    }
    const appends: Promise<unknown>[] = [];
    for (const [id, tail] of streams) {
      if (written >= events) break;
      const streamId = commitmentStreamId(id);
      const [chained] = chainEvents(streamId, tail.revision + 1, tail.hash, [
        event(id, tail.revision + 1, (at += 1000)),
      ]);
      appends.push(
        store.append(streamId, [chained], { expectedRevision: tail.revision < 0 ? 'no_stream' : tail.revision }),
      );
      tail.revision++;
      tail.hash = String(chained.metadata!.hash);
      written++;
      if (tail.revision === STREAM_LENGTH - 1) streams.delete(id);
    }
    await Promise.all(appends);
  }
  await store.close();
  process.stderr.write(`generated ${events} events in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

interface Pass {
  events: number;
  elapsedMs: number;
  cpuMicros: number;
}

/** One pass of `work`, timed: wall time and the whole process's CPU time (worker threads count in it). */
async function timed(work: () => Promise<number>): Promise<Pass> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const events = await work();
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { events, elapsedMs, cpuMicros: used.user + used.system };
}

const verified = (label: string, report: VerifyReport): number => {
  if (!report.intact) throw new Error(`${label}: the generated log does not verify`);
  return report.events;
};

/** Every event, page by page as verify reads it (500 a page), and nothing done with it. */
async function readRaw(store: SqliteEventStore): Promise<number> {
  let events = 0;
  for await (const page of readLogPages(store, { pageSize: 500 })) events += page.length;
  return events;
}

/** What `accord export` does per event (pages of 250, one ndjson line each), without the write. */
async function exportLines(store: SqliteEventStore): Promise<number> {
  let events = 0;
  let bytes = 0;
  for await (const page of readLogPages(store, { pageSize: 250 })) {
    let chunk = '';
    for (const event of page) chunk += `${toNdjsonLine(event)}\n`;
    bytes += chunk.length;
    events += page.length;
  }
  return bytes > 0 ? events : 0;
}

/** The modes on one log, ROUNDS times, alternating; the best round of each. */
async function measureSize(file: string, events: number) {
  const url = `sqlite:${file}`;
  const store = await SqliteEventStore.open(file);
  const machine = Math.min(8, availableParallelism());
  // What the CLI would pick now: the events, the cores, and the load average of the last minute.
  const load = Number(loadavg()[0].toFixed(2));
  const chosen = defaultWorkers(events);
  const verify = (workers: number, label: string) => async () =>
    verified(label, workers > 0 ? await verifyLogInWorkers(url, { workers }) : await verifyLog(store));
  const modes: Record<string, () => Promise<number>> = {
    rawRead: () => readRaw(store),
    exportLines: () => exportLines(store),
    inThread: verify(0, 'in this thread'),
    default: verify(chosen, `default (${chosen} workers)`),
    [`workers${machine}`]: verify(machine, `${machine} workers`),
  };
  const passes = new Map<string, Pass[]>(Object.keys(modes).map((m) => [m, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [mode, work] of Object.entries(modes)) {
        const pass = await timed(work);
        if (pass.events !== events) throw new Error(`${mode}: ${pass.events} events, not ${events}`);
        passes.get(mode)!.push(pass);
      }
    }
  } finally {
    await store.close();
  }
  const best = (mode: string) => {
    const fastest = passes.get(mode)!.reduce((a, b) => (b.elapsedMs < a.elapsedMs ? b : a));
    return {
      eventsPerSecond: Math.round(events / (fastest.elapsedMs / 1000)),
      cpuMicrosPerEvent: Number((fastest.cpuMicros / events).toFixed(2)),
    };
  };
  const figures = Object.fromEntries(Object.keys(modes).map((mode) => [mode, best(mode)]));
  const ratio = (a: string, b: string) => Number((figures[a].eventsPerSecond / figures[b].eventsPerSecond).toFixed(2));
  const result = {
    events,
    loadAverage: load,
    defaultWorkers: chosen,
    ...figures,
    ratios: {
      defaultOverInThread: ratio('default', 'inThread'),
      defaultOverRawRead: ratio('default', 'rawRead'),
      inThreadOverRawRead: ratio('inThread', 'rawRead'),
      [`workers${machine}OverRawRead`]: ratio(`workers${machine}`, 'rawRead'),
      exportLinesOverRawRead: ratio('exportLines', 'rawRead'),
    },
  };
  process.stderr.write(
    `${events} events: raw read ${figures.rawRead.eventsPerSecond}/s, export lines ${figures.exportLines.eventsPerSecond}/s, ` +
      `in thread ${figures.inThread.eventsPerSecond}/s, default (${chosen} at load ${load}) ${figures.default.eventsPerSecond}/s, ` +
      `${machine} workers ${figures[`workers${machine}`].eventsPerSecond}/s\n`,
  );
  return result;
}

/** Runs the CLI, sampling its peak resident set from /proc until it exits. */
function cli(args: string[]): Promise<{ seconds: number; peakRssMb: number | null }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  let peak: number | null = null;
  const status = `/proc/${child.pid}/status`;
  const sample = setInterval(() => {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'));
      if (kb) peak = Math.max(peak ?? 0, Number(kb[1]) / 1024);
    } catch {
      // gone, or not Linux
    }
  }, 20);
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      clearInterval(sample);
      if (code !== 0) reject(new Error(`accord ${args.join(' ')} exited with ${code}`));
      else resolve({ seconds: (Date.now() - started) / 1000, peakRssMb: peak === null ? null : Math.round(peak) });
    });
  });
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('Run `node scripts/build.js` first');
  const dir = mkdtempSync(join(tmpdir(), 'accord-audit-bench-'));
  try {
    const sizes = [];
    let largest = '';
    for (const events of SIZES) {
      const file = join(dir, `source-${events}.db`);
      await generate(file, events);
      sizes.push(await measureSize(file, events));
      largest = file;
    }
    const url = `sqlite:${largest}`;
    const exported = join(dir, 'export.ndjson');
    const exporting = await cli(['export', '--store', url, '--format', 'ndjson', '--out', exported]);
    const importing = await cli(['import', exported, '--store', `sqlite:${join(dir, 'imported.db')}`]);
    console.log(
      JSON.stringify(
        {
          machine: { cores: availableParallelism(), loadAverage: loadavg().map((l) => Number(l.toFixed(2))) },
          rounds: ROUNDS,
          sizes,
          largest: {
            events: SIZES[SIZES.length - 1],
            export: { ...exporting, fileMb: Math.round(statSync(exported).size / 2 ** 20) },
            import: importing,
          },
        },
        null,
        2,
      ),
    );
  } finally {
    if (KEEP) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
