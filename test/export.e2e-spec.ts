import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chainEvents, lastHashOf } from '@accord/audit';
import { cloudEventViolations, loadEventSchemas } from '@accord/audit/testing/cloudevents-check';
import type { RecordedEvent } from '@accord/event-store';
import { SqliteEventStore } from '@accord/event-store-sqlite';
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

const schemas = loadEventSchemas();

/**
 * The lines of a CloudEvents export, each checked as a CloudEvent (the official SDK and the
 * rules it leaves out) and its data against the JSON Schema its dataschema names: no violation.
 */
function checkedCloudEvents(text: string): Record<string, unknown>[] {
  const all = lines(text);
  const violations = all.flatMap((line, i) => [
    ...cloudEventViolations(line).map((v) => `line ${i + 1}: ${v}`),
    ...schemas
      .violations(String(JSON.parse(line).dataschema), JSON.parse(line).data)
      .map((v) => `line ${i + 1} (${JSON.parse(line).type}): ${v}`),
  ]);
  expect(violations).toEqual([]);
  expect(all.length).toBeGreaterThan(0);
  return all.map((line) => JSON.parse(line) as Record<string, unknown>);
}

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

  it('exports one stream, one agreement and a time window, in either format', async () => {
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

    const cloud = lines((await accord(['export', '--format', 'cloudevents', '--store', source])).stdout);
    expect(cloud).toHaveLength(log.length);
    const ofStream = lines(
      (await accord(['export', '--format', 'cloudevents', '--store', source, '--stream', streamId])).stdout,
    );
    expect(ofStream).toEqual(cloud.filter((line) => JSON.parse(line).subject === streamId));
  });

  it('exports CloudEvents that the SDK and the schemas accept, with the metadata as attributes', async () => {
    const text = (await accord(['export', '--format', 'cloudevents', '--store', source])).stdout;
    const cloud = checkedCloudEvents(text);
    expect(cloud).toHaveLength(log.length);
    for (const [i, event] of cloud.entries()) {
      const { actor, ...metadata } = log[i].metadata as Record<string, string> & {
        actor: { id: string; role: string; party?: string };
      };
      expect(event).toEqual({
        specversion: '1.0',
        id: log[i].id,
        source: '/accord',
        type: `dev.accord.${log[i].type}.v1`,
        subject: log[i].streamId,
        time: metadata.occurredAt,
        datacontenttype: 'application/json',
        dataschema: `https://accord.dev/schemas/events/${log[i].type}.v1.json`,
        revision: log[i].revision,
        position: log[i].position,
        commandid: metadata.commandId,
        correlationid: metadata.correlationId,
        causationid: metadata.causationId,
        actorid: actor.id,
        actorrole: actor.role,
        ...(actor.party === undefined ? {} : { actorparty: actor.party }),
        prevhash: metadata.prevHash,
        hash: metadata.hash,
        data: log[i].data,
      });
    }
    // The process manager's events are the system's, with no party.
    expect(cloud.some((event) => event.actorrole === 'system' && !('actorparty' in event))).toBe(true);
    expect(new Set(cloud.map((event) => event.type)).size).toBeGreaterThan(10);

    const named = await accord([
      'export',
      '--format',
      'cloudevents',
      '--source',
      'https://accord.example.org',
      '--store',
      source,
    ]);
    expect(checkedCloudEvents(named.stdout).every((event) => event.source === 'https://accord.example.org')).toBe(true);
    expect((await accord(['export', '--source', 'https://accord.example.org', '--store', source])).code).toBe(2);
    expect((await accord(['export', '--format', 'cloudevents', '--source', 'a b', '--store', source])).code).toBe(2);
  });

  it('imports a CloudEvents export into an empty store, which exports the same bytes and verifies', async () => {
    const first = join(dir, 'first.cloudevents.ndjson');
    expect((await accord(['export', '--format', 'cloudevents', '--out', first, '--store', source])).code).toBe(0);
    const target = `sqlite:${join(dir, 'from-cloudevents.db')}`;
    const imported = await accord(['import', first, '--store', target]);
    expect(imported).toMatchObject({ code: 0 });
    expect(imported.stdout).toContain(`imported ${log.length} events`);
    expect(imported.stdout).toContain('positions: the same as in the file');

    const second = join(dir, 'second.cloudevents.ndjson');
    expect((await accord(['export', '--format', 'cloudevents', '--out', second, '--store', target])).code).toBe(0);
    expect(readFileSync(second).equals(readFileSync(first))).toBe(true);
    // Nothing was lost: the same ndjson, the same digest, and the chain verifies.
    const [sourceNdjson, targetNdjson] = await Promise.all([
      accord(['export', '--store', source]),
      accord(['export', '--store', target]),
    ]);
    expect(targetNdjson.stdout).toBe(sourceNdjson.stdout);
    const [sourceDigest, targetDigest] = await Promise.all([
      accord(['audit', 'digest', '--store', source]),
      accord(['audit', 'digest', '--store', target]),
    ]);
    expect(targetDigest.stdout).toBe(sourceDigest.stdout);
    expect(imported.stdout).toContain(`digest: ${sourceDigest.stdout.trim()}`);
    const verified = await accord(['audit', 'verify', '--store', target]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(new RegExp(`^intact: ${log.length} events`));
  });

  it('round-trips metadata that cannot all be attributes, and refuses a changed or mixed file', async () => {
    const file = join(dir, 'odd.db');
    const store = await SqliteEventStore.open(file);
    const commitmentId = randomUUID();
    const streamId = `commitment-${commitmentId}`;
    const odd: Record<string, unknown>[] = [
      { actor: { id: 'k', role: 'integration', party: 'MA', keyName: 'gateway' }, tenant: 'ministry', attempt: 2 },
      { 'x-request-id': 'r-1', Nested: { list: [1, 2.5, null] }, big: 1e21, note: 'two\nlines', retried: true },
      { occurredAt: 'not a timestamp', correlationid: 'lower-case twin', time: 'reserved', nel: '\u0085' },
      {},
    ];
    const data = [
      {
        commitmentId,
        agreementId: randomUUID(),
        title: 'Odd « metadata » \u2028',
        description: '',
        domain: 'cybercrime',
        leadAgencies: ['DGSN'],
        dueDate: null,
        priority: 'normal',
        proposingParty: 'MA',
      },
      { commitmentId, changes: { title: 'Revised 😀' } },
      { commitmentId, reason: 'No longer needed' },
    ];
    for (const [revision, metadata] of odd.slice(0, 3).entries()) {
      const events = chainEvents(streamId, revision, lastHashOf(await store.readStream(streamId)), [
        {
          id: randomUUID(),
          type: ['CommitmentProposed', 'CommitmentRevised', 'CommitmentWithdrawn'][revision],
          data: data[revision],
          metadata: { occurredAt: new Date(Date.UTC(2030, 0, 1, revision)).toISOString(), ...metadata },
        },
      ]);
      await store.append(streamId, events, { expectedRevision: revision === 0 ? 'no_stream' : revision - 1 });
    }
    await store.close();

    const first = join(dir, 'odd.cloudevents.ndjson');
    expect(
      (await accord(['export', '--format', 'cloudevents', '--out', first, '--store', `sqlite:${file}`])).code,
    ).toBe(0);
    const cloud = checkedCloudEvents(readFileSync(first, 'utf8'));
    expect(cloud.map((event) => Object.keys(event).includes('metadatajson'))).toEqual([true, true, true]);
    expect(cloud[0]).toMatchObject({ tenant: 'ministry', attempt: 2 });
    expect(JSON.parse(cloud[0].metadatajson as string)).toEqual({ actor: odd[0].actor });
    expect(cloud[2]).not.toHaveProperty('time');

    const target = `sqlite:${join(dir, 'odd-copy.db')}`;
    expect((await accord(['import', first, '--store', target])).code).toBe(0);
    const second = join(dir, 'odd-again.cloudevents.ndjson');
    expect((await accord(['export', '--format', 'cloudevents', '--out', second, '--store', target])).code).toBe(0);
    expect(readFileSync(second, 'utf8')).toBe(readFileSync(first, 'utf8'));
    const [a, b] = await Promise.all([
      accord(['export', '--store', `sqlite:${file}`]),
      accord(['export', '--store', target]),
    ]);
    expect(b.stdout).toBe(a.stdout);
    expect((await accord(['audit', 'verify', '--store', target])).code).toBe(0);

    const all = lines(readFileSync(first, 'utf8'));
    const ndjson = lines(a.stdout);
    const cases: [string, string[], RegExp][] = [
      ['a changed title', [all[0].replace('Odd « metadata »', 'Even « metadata »'), ...all.slice(1)], /hash-mismatch/],
      [
        'a changed attribute',
        [all[0].replace('"tenant":"ministry"', '"tenant":"other"'), ...all.slice(1)],
        /hash-mismatch/,
      ],
      [
        'an attribute added on the way',
        [all[0].replace('"source":', '"traceparent":"00-x","source":'), ...all.slice(1)],
        /hash-mismatch/,
      ],
      [
        'an ndjson line among CloudEvents',
        [all[0], ndjson[1], all[2]],
        /line 2: an ndjson line in a CloudEvents export/,
      ],
      [
        'a CloudEvent among ndjson lines',
        [ndjson[0], all[1], ndjson[2]],
        /line 2: a CloudEvents line in an ndjson export/,
      ],
      [
        'a type without the prefix',
        [all[0].replace('"dev.accord.CommitmentProposed.v1"', '"CommitmentProposed"'), ...all.slice(1)],
        /line 1: type must be/,
      ],
    ];
    for (const [what, broken, why] of cases) {
      const brokenFile = join(dir, `broken-ce-${what.replace(/\W+/g, '-')}.ndjson`);
      writeFileSync(brokenFile, `${broken.join('\n')}\n`);
      const refusedStore = join(dir, `refused-ce-${what.replace(/\W+/g, '-')}.db`);
      const refused = await accord(['import', brokenFile, '--store', `sqlite:${refusedStore}`]);
      expect({ what, code: refused.code }).toEqual({ what, code: 2 });
      expect({ what, stderr: refused.stderr }).toEqual({ what, stderr: expect.stringMatching(why) });
      expect(refused.stderr).toMatch(/nothing was imported/);
      expect(existsSync(refusedStore)).toBe(false);
    }
  });
});
