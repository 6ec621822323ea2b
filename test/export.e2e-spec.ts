import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RecordedEvent } from '@accord/event-store';
import { Workers } from '../apps/api/src/workers/workers.module';
import { MOROCCO_QATAR, startTestApp } from './support/test-app';

const run = promisify(execFile);
const ACCORD = join(__dirname, '..', 'bin', 'accord.js');

/** Runs the compiled CLI as a child process; resolves with its exit code and output. */
async function accord(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [ACCORD, ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

describe('npx accord export and import', () => {
  let dir: string;
  let source: string;
  let log: RecordedEvent[];
  let agreements: string[];
  let middle: string;

  /** A log written through the API: two agreements, commitments through a committee decision. */
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-export-'));
    source = `sqlite:${join(dir, 'source.db')}`;
    const t = await startTestApp({ dir, storeUrl: source });
    const workers = t.app.get(Workers);
    const secretariat = await t.createKey('secretariat');
    const ma = await t.createKey('integration', 'MA');
    const maDelegate = await t.createKey('delegate', 'MA');
    const qaDelegate = await t.createKey('delegate', 'QA');
    const ok = async (url: string, body: unknown, key: string) => {
      const response = await t.post(url, body, key);
      if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
      expect(await workers.processManager.waitFor(response.json().position)).toBe(true);
      return response.json();
    };
    agreements = [];
    for (const title of ['First agreement', 'Second agreement']) {
      const agreementId = (await ok('/agreements', { ...MOROCCO_QATAR, title }, secretariat)).id;
      agreements.push(agreementId);
      for (let i = 0; i < 3; i++) {
        const id = (
          await ok(
            '/commitments',
            {
              agreementId,
              title: `${title}, commitment ${i} « é »`,
              description: 'd',
              domain: 'cybercrime',
              leadAgencies: ['DGSN'],
            },
            ma,
          )
        ).id;
        await ok(`/commitments/${id}/revise`, { description: `Revised ${i}` }, ma);
        if (i === 0) {
          const sessionId = (
            await ok('/sessions', { agreementId, scheduledFor: '2030-02-01T09:00:00Z', venue: 'Doha' }, secretariat)
          ).id;
          const itemId = (await ok(`/sessions/${sessionId}/agenda`, { commitmentId: id, kind: 'review' }, secretariat))
            .itemId;
          await ok(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, secretariat);
          await ok(`/sessions/${sessionId}/positions`, { itemId, position: 'approve' }, maDelegate);
          await ok(`/sessions/${sessionId}/positions`, { itemId, position: 'approve' }, qaDelegate);
          await ok(`/commitments/${id}/start`, {}, ma);
          await ok(`/commitments/${id}/progress`, { percent: 30, narrative: 'Under way' }, ma);
        }
      }
      if (title === 'First agreement') middle = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    log = await t.log();
    await t.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports, imports into an empty store and exports again, byte for byte', async () => {
    const first = join(dir, 'first.ndjson');
    const exported = await accord(['export', '--format', 'ndjson', '--out', first], { ACCORD_STORE: source });
    expect(exported).toMatchObject({ code: 0 });
    expect(exported.stderr).toContain(`exported ${log.length} events to ${first}`);
    const text = readFileSync(first, 'utf8');
    expect(lines(text)).toHaveLength(log.length);
    const parsed = lines(text).map((line) => JSON.parse(line));
    expect(parsed.map((e) => [e.streamId, e.revision, e.position, e.id])).toEqual(
      log.map((e) => [e.streamId, e.revision, e.position, e.id]),
    );
    expect(parsed.map((e) => e.metadata)).toEqual(log.map((e) => e.metadata));
    expect(Object.keys(parsed[0])).toEqual([
      'streamId',
      'revision',
      'position',
      'id',
      'type',
      'schemaVersion',
      'data',
      'metadata',
    ]);
    // To standard output, the same bytes.
    expect((await accord(['export', '--format', 'ndjson', '--store', source])).stdout).toBe(text);
    // ndjson, the importable format, is the default.
    expect((await accord(['export', '--store', source])).stdout).toBe(text);

    const target = `sqlite:${join(dir, 'target.db')}`;
    const imported = await accord(['import', first, '--store', target]);
    expect(imported).toMatchObject({ code: 0 });
    expect(imported.stdout).toContain(`imported ${log.length} events`);
    expect(imported.stdout).toContain('positions: the same as in the file');

    const second = join(dir, 'second.ndjson');
    expect((await accord(['export', '--format', 'ndjson', '--out', second, '--store', target])).code).toBe(0);
    expect(readFileSync(second).equals(readFileSync(first))).toBe(true);

    const [sourceDigest, targetDigest] = await Promise.all([
      accord(['audit', 'digest', '--store', source]),
      accord(['audit', 'digest', '--store', target]),
    ]);
    expect(JSON.parse(targetDigest.stdout)).toEqual(JSON.parse(sourceDigest.stdout));
    expect(imported.stdout).toContain(`digest: ${sourceDigest.stdout.trim()}`);
    expect((await accord(['audit', 'verify', '--store', target])).code).toBe(0);

    // Once more into the same store: refused, and nothing changes.
    const again = await accord(['import', first, '--store', target]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty: import only into an empty store/);
    expect((await accord(['audit', 'digest', '--store', target])).stdout).toBe(targetDigest.stdout);
  });

  it('refuses a broken file and writes nothing', async () => {
    const file = join(dir, 'whole.ndjson');
    expect((await accord(['export', '--format', 'ndjson', '--out', file], { ACCORD_STORE: source })).code).toBe(0);
    const all = lines(readFileSync(file, 'utf8'));
    const victim = all.findIndex((line) => line.includes('commitment 1 « é »'));
    expect(victim).toBeGreaterThan(0);

    // An event with a successor in its stream: without it, the successor's revision jumps.
    const events = all.map((line) => JSON.parse(line) as { streamId: string; revision: number });
    const gap = events.findIndex((e) => events.some((f) => f.streamId === e.streamId && f.revision === e.revision + 1));
    expect(gap).toBeGreaterThanOrEqual(0);
    const cases: [string, string[]][] = [
      ['a changed byte', all.map((line, i) => (i === victim ? line.replace('commitment 1', 'commitment 7') : line))],
      ['a missing event', all.filter((_, i) => i !== gap)],
      ['two events swapped', [all[1], all[0], ...all.slice(2)]],
      ['a line that is not JSON', [...all.slice(0, 4), '{"streamId":', ...all.slice(4)]],
    ];
    for (const [what, broken] of cases) {
      const brokenFile = join(dir, `broken-${what.replace(/\W+/g, '-')}.ndjson`);
      writeFileSync(brokenFile, `${broken.join('\n')}\n`);
      const target = join(dir, `refused-${what.replace(/\W+/g, '-')}.db`);
      const refused = await accord(['import', brokenFile, '--store', `sqlite:${target}`]);
      expect({ what, code: refused.code }).toEqual({ what, code: 2 });
      expect(refused.stderr).toMatch(/nothing was imported/);
      expect(existsSync(target)).toBe(false);
    }
    const changed = await accord([
      'import',
      join(dir, 'broken-a-changed-byte.ndjson'),
      '--store',
      `sqlite:${join(dir, 'x.db')}`,
    ]);
    expect(changed.stderr).toContain(`line ${victim + 1}`);
    expect(changed.stderr).toContain('hash-mismatch');
  });

  it('exports one stream, one agreement, a time window, and CloudEvents', async () => {
    const everything = lines((await accord(['export', '--format', 'ndjson', '--store', source])).stdout);
    const streamId = log.find((e) => e.type === 'CommitmentApproved')!.streamId;
    const stream = await accord(['export', '--format', 'ndjson', '--store', source, '--stream', streamId]);
    expect(lines(stream.stdout)).toEqual(everything.filter((line) => JSON.parse(line).streamId === streamId));
    expect(lines(stream.stdout).length).toBeGreaterThan(3);

    const [first, second] = agreements;
    const ofFirst = lines(
      (await accord(['export', '--format', 'ndjson', '--store', source, '--agreement', first])).stdout,
    );
    const streamsOfFirst = new Set(
      log
        .filter(
          (e) => e.streamId === `agreement-${first}` || (e.data as { agreementId?: string }).agreementId === first,
        )
        .map((e) => e.streamId),
    );
    expect(streamsOfFirst.size).toBe(1 + 3 + 1);
    expect(ofFirst).toEqual(everything.filter((line) => streamsOfFirst.has(JSON.parse(line).streamId)));
    expect(ofFirst.some((line) => line.includes(second))).toBe(false);

    const early = lines((await accord(['export', '--format', 'ndjson', '--store', source, '--to', middle])).stdout);
    const late = lines((await accord(['export', '--format', 'ndjson', '--store', source, '--from', middle])).stdout);
    expect([...early, ...late].sort()).toEqual([...everything].sort());
    expect(early.length).toBeGreaterThan(0);
    expect(late.length).toBeGreaterThan(0);
    for (const line of early) expect(Date.parse(JSON.parse(line).metadata.occurredAt)).toBeLessThan(Date.parse(middle));
    expect((await accord(['export', '--format', 'ndjson', '--store', source, '--from', 'yesterday'])).code).toBe(2);
    expect((await accord(['export', '--format', 'xml', '--store', source])).code).not.toBe(0);

    const cloud = lines((await accord(['export', '--format', 'cloudevents', '--store', source])).stdout).map((line) =>
      JSON.parse(line),
    );
    expect(cloud).toHaveLength(log.length);
    for (const [i, event] of cloud.entries()) {
      expect(event).toEqual({
        specversion: '1.0',
        id: log[i].id,
        source: `accord/${log[i].streamId}`,
        type: log[i].type,
        time: log[i].metadata.occurredAt,
        datacontenttype: 'application/json',
        revision: log[i].revision,
        position: log[i].position,
        schemaversion: log[i].schemaVersion,
        recordedat: log[i].recordedAt,
        prevhash: log[i].metadata.prevHash,
        hash: log[i].metadata.hash,
        metadata: expect.any(String),
        data: log[i].data,
      });
      expect(JSON.parse(event.metadata)).toEqual(log[i].metadata);
    }
  });
});
