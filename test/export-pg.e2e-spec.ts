import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chainEvents, lastHashOf } from '@accord/audit';
import { cloudEventViolations, loadEventSchemas } from '@accord/audit/testing/cloudevents-check';
import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { SqliteEventStore } from '@accord/event-store-sqlite';

const run = promisify(execFile);
const ACCORD = join(__dirname, '..', 'bin', 'accord.js');

async function accord(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [ACCORD, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** The export is the store's content, not the store's: SQLite → PostgreSQL → the same bytes. */
describeWithPostgres('npx accord export and import across stores', () => {
  let dir: string;
  let schema: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-export-pg-'));
    schema = testSchemaName();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropTestSchema(schema);
  });

  it('imports a SQLite export into PostgreSQL, which exports the same bytes and verifies', async () => {
    const file = join(dir, 'source.db');
    const store = await SqliteEventStore.open(file);
    const ids = Array.from({ length: 5 }, () => randomUUID());
    for (let revision = 0; revision < 6; revision++) {
      for (const id of ids) {
        const streamId = `commitment-${id}`;
        const events = chainEvents(streamId, revision, lastHashOf(await store.readStream(streamId)), [
          {
            id: randomUUID(),
            type: revision === 0 ? 'CommitmentProposed' : 'ProgressReported',
            data: {
              commitmentId: id,
              percent: revision * 10.5,
              narrative: `Étape ${revision} « ok » \u2028 😀`,
              big: 1e21,
            },
            metadata: { commandId: randomUUID(), occurredAt: new Date(Date.UTC(2027, 0, 1, revision)).toISOString() },
          },
        ]);
        await store.append(streamId, events, { expectedRevision: revision === 0 ? 'no_stream' : revision - 1 });
      }
    }
    await store.close();

    const first = join(dir, 'first.ndjson');
    expect((await accord(['export', '--store', `sqlite:${file}`, '--format', 'ndjson', '--out', first])).code).toBe(0);
    const target = `${TEST_PG_URL}?schema=${schema}`;
    const imported = await accord(['import', first, '--store', target]);
    expect(imported).toMatchObject({ code: 0 });
    expect(imported.stdout).toContain('imported 30 events in 5 streams');
    const second = join(dir, 'second.ndjson');
    expect((await accord(['export', '--store', target, '--format', 'ndjson', '--out', second])).code).toBe(0);
    expect(readFileSync(second, 'utf8')).toBe(readFileSync(first, 'utf8'));

    const verified = await accord(['audit', 'verify', '--store', target, '--workers', '2']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^intact: 30 events in 5 streams/);
    const [source, copy] = await Promise.all([
      accord(['audit', 'digest', '--store', `sqlite:${file}`]),
      accord(['audit', 'digest', '--store', target]),
    ]);
    expect(copy.stdout).toBe(source.stdout);
    expect((await accord(['import', first, '--store', target])).code).toBe(2);
  });

  it('imports a SQLite CloudEvents export into PostgreSQL, which exports the same bytes and verifies', async () => {
    const file = join(dir, 'cloudevents-source.db');
    const store = await SqliteEventStore.open(file);
    const ids = Array.from({ length: 4 }, () => randomUUID());
    for (let revision = 0; revision < 5; revision++) {
      for (const id of ids) {
        const streamId = `commitment-${id}`;
        const data =
          revision === 0
            ? {
                commitmentId: id,
                agreementId: ids[0],
                title: `Étape « ok » \u2028 😀`,
                description: '',
                domain: 'cybercrime',
                leadAgencies: ['DGSN'],
                dueDate: '2031-02-28',
                priority: 'high',
                proposingParty: 'QA',
              }
            : { commitmentId: id, changes: { title: `Revision ${revision} 😀`, dueDate: null } };
        const events = chainEvents(streamId, revision, lastHashOf(await store.readStream(streamId)), [
          {
            id: randomUUID(),
            type: revision === 0 ? 'CommitmentProposed' : 'CommitmentRevised',
            data,
            metadata: {
              commandId: randomUUID(),
              actor: { id: 'gateway', role: 'integration', party: 'QA' },
              occurredAt: new Date(Date.UTC(2030, 0, 1, revision)).toISOString(),
              // Not attributes: they travel in metadatajson, through both stores' JSON.
              big: 1e21,
              fraction: revision * 10.5,
              'x-note': `Étape ${revision} \u2028`,
            },
          },
        ]);
        await store.append(streamId, events, { expectedRevision: revision === 0 ? 'no_stream' : revision - 1 });
      }
    }
    await store.close();

    const first = join(dir, 'first.cloudevents.ndjson');
    const exported = await accord(['export', '--store', `sqlite:${file}`, '--format', 'cloudevents', '--out', first]);
    expect(exported.code).toBe(0);
    const schemas = loadEventSchemas();
    const lines = readFileSync(first, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    expect(lines).toHaveLength(20);
    const violations = lines.flatMap((line) => {
      const event = JSON.parse(line) as { dataschema: string; data: unknown };
      return [...cloudEventViolations(line), ...schemas.violations(event.dataschema, event.data)];
    });
    expect(violations).toEqual([]);

    const cloudSchema = testSchemaName();
    try {
      const target = `${TEST_PG_URL}?schema=${cloudSchema}`;
      const imported = await accord(['import', first, '--store', target]);
      expect(imported).toMatchObject({ code: 0 });
      expect(imported.stdout).toContain('imported 20 events in 4 streams');
      const second = join(dir, 'second.cloudevents.ndjson');
      expect((await accord(['export', '--store', target, '--format', 'cloudevents', '--out', second])).code).toBe(0);
      expect(readFileSync(second, 'utf8')).toBe(readFileSync(first, 'utf8'));
      const [sourceNdjson, targetNdjson] = await Promise.all([
        accord(['export', '--store', `sqlite:${file}`]),
        accord(['export', '--store', target]),
      ]);
      expect(targetNdjson.stdout).toBe(sourceNdjson.stdout);
      const verified = await accord(['audit', 'verify', '--store', target, '--workers', '2']);
      expect(verified.code).toBe(0);
      expect(verified.stdout).toMatch(/^intact: 20 events in 4 streams/);
      const [source, copy] = await Promise.all([
        accord(['audit', 'digest', '--store', `sqlite:${file}`]),
        accord(['audit', 'digest', '--store', target]),
      ]);
      expect(copy.stdout).toBe(source.stdout);
    } finally {
      await dropTestSchema(cloudSchema);
    }
  });
});
