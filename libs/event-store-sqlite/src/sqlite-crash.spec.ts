import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import type { RecordedEvent } from '@accord/event-store';
import { SqliteEventStore } from './sqlite-event-store';

/** Built by jest's global setup (scripts/build.js). */
const CHILD = join(__dirname, '..', '..', '..', 'dist', 'libs', 'event-store-sqlite', 'src', 'crash-child.js');

interface Batch {
  readonly ids: string[];
  readonly stream: string;
  acked?: { revision: number; position: number };
  rejected?: boolean;
}

/**
 * Runs the child until it has acknowledged `acks` batches, then SIGKILLs it. Returns every
 * batch it started, with what it reported about each before it died.
 */
async function runUntilKilled(file: string, acks: number): Promise<Batch[]> {
  const child = spawn(process.execPath, [CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const batches = new Map<string, Batch>();
  let acked = 0;
  let killed = false;
  let stderr = '';
  const unannounced: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (text) => {
    const line = JSON.parse(text) as { intent?: string[]; batch?: string[]; rejected?: string[]; stream: string };
    if (line.intent) {
      batches.set(line.intent[0], { ids: line.intent, stream: line.stream });
    } else if (line.batch) {
      const batch = batches.get(line.batch[0]);
      if (!batch) {
        unannounced.push(text);
        return;
      }
      batch.acked = line as unknown as { revision: number; position: number };
      if (++acked === acks && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    } else if (line.rejected) {
      const batch = batches.get(line.rejected[0]);
      if (batch) batch.rejected = true;
    }
  });
  // 'close' comes after stdout has ended, so every line written before the kill was read.
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  if (!killed || signal !== 'SIGKILL') {
    throw new Error(`crash child ended by itself (code ${code}, signal ${signal}) after ${acked} acks:\n${stderr}`);
  }
  if (unannounced.length > 0) throw new Error(`acknowledged batches it never announced: ${unannounced.join('\n')}`);
  return [...batches.values()];
}

async function readEverything(file: string): Promise<RecordedEvent[]> {
  const store = await SqliteEventStore.open(file);
  try {
    const all: RecordedEvent[] = [];
    for (;;) {
      const page = await store.readAll({ after: all.length ? all[all.length - 1].position : 0, maxCount: 5000 });
      if (page.length === 0) return all;
      all.push(...page);
    }
  } finally {
    await store.close();
  }
}

describe('SqliteEventStore killed with SIGKILL while appending', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run npm run build`);
    dir = mkdtempSync(join(tmpdir(), 'accord-crash-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged batch, no partial batch and gap-free revisions, across 6 kills', async () => {
    const file = join(dir, 'crash.db');
    const started: Batch[] = [];
    let inFlightAtKill = 0;

    for (let round = 0; round < 6; round++) {
      const batches = await runUntilKilled(file, 40 + round * 30);
      started.push(...batches);
      const log = await readEverything(file);
      const byId = new Map(log.map((e) => [e.id, e]));

      // Every event in the file comes from a batch a child announced.
      const announced = new Set(started.flatMap((b) => b.ids));
      expect(log.filter((e) => !announced.has(e.id))).toEqual([]);

      for (const batch of started) {
        const present = batch.ids.map((id) => byId.get(id));
        const count = present.filter(Boolean).length;
        // All or nothing, whatever the child had heard back.
        expect([0, batch.ids.length]).toContain(count);
        if (batch.acked) {
          expect(count).toBe(batch.ids.length);
          const last = present[present.length - 1]!;
          expect({ revision: last.revision, position: last.position }).toEqual({
            revision: batch.acked.revision,
            position: batch.acked.position,
          });
        }
        if (batch.rejected) expect(count).toBe(0);
        if (count > 0) {
          // One batch: one stream, consecutive revisions.
          expect(present.every((e) => e!.streamId === batch.stream)).toBe(true);
          expect(present.map((e) => e!.revision - present[0]!.revision)).toEqual(present.map((_, i) => i));
        }
      }
      inFlightAtKill += batches.filter((b) => !b.acked && !b.rejected).length;

      for (let i = 1; i < log.length; i++) expect(log[i].position).toBeGreaterThan(log[i - 1].position);
      const revisions = new Map<string, number[]>();
      for (const event of log) {
        const seen = revisions.get(event.streamId) ?? [];
        seen.push(event.revision);
        revisions.set(event.streamId, seen);
      }
      for (const [, seen] of revisions) expect(seen).toEqual(seen.map((_, i) => i));
    }

    // The kills landed while appends were under way, not between runs.
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(started.filter((b) => b.acked).length).toBeGreaterThanOrEqual(6 * 40);

    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
