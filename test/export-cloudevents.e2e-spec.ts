import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cloudEventViolations, loadEventSchemas } from '@accord/audit/testing/cloudevents-check';
import { sessionEventTypes } from '@accord/committee';
import { agreementEventTypes, commitmentEventTypes } from '@accord/commitments';
import type { Clock } from '../apps/api/src/infrastructure/clock';
import { Workers } from '../apps/api/src/workers/workers.module';
import { startTestApp, type TestApp } from './support/test-app';
import { runWorkload } from './support/workload';

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

class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

const SEED = 20261215;
const ALL_TYPES = [...agreementEventTypes, ...commitmentEventTypes, ...sessionEventTypes];

/**
 * The log the API writes (random lifecycles through the committee, the process manager, the
 * deadline watcher, an amendment), exported as CloudEvents: every event a valid CloudEvent
 * whose data its published schema accepts, and an import that gives the same log back.
 * Runs on the store of the e2e suites (SQLite, or PostgreSQL with ACCORD_TEST_STORE=postgres).
 */
describe('the API-written log as CloudEvents', () => {
  let dir: string;
  let t: TestApp;
  let storeUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-cloudevents-'));
    const clock = new ManualClock(new Date());
    t = await startTestApp({ dir, clock });
    storeUrl = t.storeUrl;
    await runWorkload(t, SEED, 500);
    const secretariat = await t.createKey('secretariat');
    const registered = (await t.log()).find((e) => e.type === 'AgreementRegistered')!;
    const { agreementId, domains } = registered.data as { agreementId: string; domains: string[] };
    const amended = await t.post(
      `/agreements/${agreementId}/domains`,
      { domains: [...domains, 'maritime'] },
      secretariat,
    );
    expect(amended.statusCode).toBe(200);
    // Past every due date the workload gives: the watcher flags what is approved or in progress.
    const workers = t.app.get(Workers);
    const log = await t.log();
    expect(await workers.projections.waitFor('commitments', log[log.length - 1].position)).toBe(true);
    clock.set('2040-01-01T00:00:00Z');
    expect(await workers.deadlines.tick()).toBeGreaterThan(0);
    await t.close();
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports every event as a CloudEvent that the SDK and its schema accept', async () => {
    const exported = await accord(['export', '--format', 'cloudevents', '--store', storeUrl]);
    expect(exported.code).toBe(0);
    const lines = exported.stdout.split('\n').filter((line) => line !== '');
    const schemas = loadEventSchemas();
    const violations: string[] = [];
    const types = new Set<string>();
    for (const [i, line] of lines.entries()) {
      const event = JSON.parse(line) as { type: string; dataschema: string; data: unknown };
      types.add(event.type);
      for (const v of cloudEventViolations(line)) violations.push(`line ${i + 1}: ${v}`);
      for (const v of schemas.violations(event.dataschema, event.data)) {
        violations.push(`line ${i + 1} (${event.type}): ${v}`);
      }
    }
    expect(violations).toEqual([]);
    expect(lines.length).toBeGreaterThan(500);
    // The types the workload reached: nearly all; the lifecycle in event-schemas.spec.ts reaches every one.
    const reached = ALL_TYPES.filter((type) => types.has(`dev.accord.${type}.v1`));
    expect(reached.length).toBeGreaterThanOrEqual(22);
    expect(reached).toEqual(
      expect.arrayContaining([
        'AgreementDomainsAmended',
        'CommitmentBecameOverdue',
        'DecisionReached',
        'ItemDeferred',
        'CommitmentDeferred',
      ]),
    );
    expect([...types].every((type) => reached.some((r) => type === `dev.accord.${r}.v1`))).toBe(true);
  });

  it('imports that export into an empty SQLite store, which gives the same log back', async () => {
    const first = join(dir, 'log.cloudevents.ndjson');
    expect((await accord(['export', '--format', 'cloudevents', '--store', storeUrl, '--out', first])).code).toBe(0);
    const target = `sqlite:${join(dir, 'copy.db')}`;
    const imported = await accord(['import', first, '--store', target]);
    expect(imported.code).toBe(0);
    const second = (await accord(['export', '--format', 'cloudevents', '--store', target])).stdout;
    if (storeUrl.startsWith('sqlite:')) {
      expect(imported.stdout).toContain('positions: the same as in the file');
      expect(second).toBe(readFileSync(first, 'utf8'));
    } else {
      // PostgreSQL's positions can have gaps, which an import into SQLite closes: all else is the same.
      const unpositioned = (text: string) => text.replace(/,"position":\d+,/g, ',');
      expect(unpositioned(second)).toBe(unpositioned(readFileSync(first, 'utf8')));
    }
    const [source, copy] = await Promise.all([
      accord(['audit', 'digest', '--store', storeUrl]),
      accord(['audit', 'digest', '--store', target]),
    ]);
    expect(JSON.parse(copy.stdout).digest).toBe(JSON.parse(source.stdout).digest);
    expect((await accord(['audit', 'verify', '--store', target])).code).toBe(0);
  });
});
