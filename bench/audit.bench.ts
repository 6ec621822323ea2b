/**
 * How fast `accord audit verify` goes through a log, and how much memory `accord export`
 * and `accord import` take for a million events (issue 7: at least 200,000 events/s on
 * SQLite; a million events exported under 200 MB RSS). Run after `npm run build`:
 *
 *     node dist/bench/audit.bench.js [events=1000000] [--keep]
 *
 * It writes a log of realistic, hash-chained commitment events into a temporary SQLite
 * file (streams of ten, interleaved), then measures, best of three, verification in this
 * thread and in worker threads (wall time and CPU time of the whole process), and the CLI's
 * export and import as child processes, sampling their peak resident set (VmHWM). The
 * figures depend on the machine and on what else runs on it: the load average is printed.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainEvents, verifyLog, verifyLogInWorkers, type VerifyReport } from '@accord/audit';
import { commitmentStreamId } from '@accord/commitments';
import type { NewEvent } from '@accord/event-store';
import { SqliteEventStore } from '@accord/event-store-sqlite';

const EVENTS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
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
async function generate(file: string): Promise<void> {
  const store = await SqliteEventStore.open(file);
  const streams = new Map<string, { revision: number; hash: string }>();
  let written = 0;
  let at = Date.UTC(2026, 0, 1);
  let next = 0;
  const started = Date.now();
  while (written < EVENTS) {
    while (streams.size < ACTIVE_STREAMS && next * STREAM_LENGTH < EVENTS) {
      streams.set(randomUUID(), { revision: -1, hash: '0'.repeat(64) });
      next++;
    }
    const appends: Promise<unknown>[] = [];
    for (const [id, tail] of streams) {
      if (written >= EVENTS) break;
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
  process.stderr.write(`generated ${EVENTS} events in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

async function measure(label: string, verify: () => Promise<VerifyReport>) {
  let best: { eventsPerSecond: number; cpuMicrosPerEvent: number } | undefined;
  for (let round = 0; round < 3; round++) {
    const cpu = process.cpuUsage();
    const report = await verify();
    const used = process.cpuUsage(cpu);
    if (!report.intact) throw new Error(`${label}: the generated log does not verify`);
    const eventsPerSecond = Math.round(report.events / (report.elapsedMs / 1000));
    // Worker threads count in the process's CPU time.
    const cpuMicrosPerEvent = Number(((used.user + used.system) / report.events).toFixed(2));
    if (!best || eventsPerSecond > best.eventsPerSecond) best = { eventsPerSecond, cpuMicrosPerEvent };
  }
  process.stderr.write(`${label}: ${best!.eventsPerSecond} events/s\n`);
  return best!;
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
  if (!existsSync(CLI)) throw new Error('Run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'accord-audit-bench-'));
  const file = join(dir, 'source.db');
  const url = `sqlite:${file}`;
  try {
    await generate(file);
    const store = await SqliteEventStore.open(file);
    const inThread = await measure('verify in this thread', () => verifyLog(store));
    await store.close();
    const workers = Math.min(8, availableParallelism());
    const inWorkers = await measure(`verify in ${workers} worker threads`, () => verifyLogInWorkers(url, { workers }));

    const exported = join(dir, 'export.ndjson');
    const exporting = await cli(['export', '--store', url, '--format', 'ndjson', '--out', exported]);
    const importing = await cli(['import', exported, '--store', `sqlite:${join(dir, 'imported.db')}`]);
    console.log(
      JSON.stringify(
        {
          events: EVENTS,
          machine: { cores: availableParallelism(), loadAverage: loadavg().map((l) => Number(l.toFixed(2))) },
          verify: { inThread, inWorkers: { workers, ...inWorkers } },
          export: { ...exporting, fileMb: Math.round(statSync(exported).size / 2 ** 20) },
          import: importing,
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
