import { randomBytes } from 'node:crypto';
import { types } from 'node:util';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { configureTracing, disableTracing, tracingEnabled } from '../apps/api/src/observability/tracing';
import { MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

const STORE = process.env.ACCORD_TEST_STORE === 'postgres' ? 'PostgreSQL' : 'SQLite';
const KIND = process.env.ACCORD_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** Resolves once `found` finds something among the exported spans (spans end after the answer is sent). */
async function spanWhere(
  exporter: InMemorySpanExporter,
  found: (span: ReadableSpan) => boolean,
  timeoutMs = 10_000,
): Promise<ReadableSpan> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const span = exporter.getFinishedSpans().find(found);
    if (span) return span;
    if (Date.now() > deadline) {
      const names = exporter.getFinishedSpans().map((s) => s.name);
      throw new Error(`no such span among ${names.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

describe(`traces from the request to the append (real app, ${STORE}, in-memory exporter)`, () => {
  const exporter = new InMemorySpanExporter();
  let t: TestApp;
  let secretariat: string;
  let ma: string;
  let agreementId: string;

  beforeAll(async () => {
    // Before the app is built: the store is wrapped for tracing when it opens.
    configureTracing({ exporter, simple: true });
    t = await startTestApp();
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    const registered = await t.post('/agreements', MOROCCO_QATAR, secretariat);
    expect(registered.statusCode).toBe(201);
    agreementId = registered.json().id;
  });
  afterAll(async () => {
    await t.close();
    await disableTracing();
  });

  it("joins one trace: the request's server span, its command, the append, with the events' correlation and causation ids", async () => {
    exporter.reset();
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const proposed = await t.post(
      '/commitments',
      {
        agreementId,
        title: 'Joint cybercrime investigation unit',
        description: 'A joint unit and a 24/7 contact point for cybercrime cases.',
        domain: 'cybercrime',
        leadAgencies: ['DGSN'],
        dueDate: '2030-06-30',
      },
      ma,
      { traceparent: `00-${traceId}-${callerSpan}-01`, 'x-correlation-id': 'trace-test-1' },
    );
    expect(proposed.statusCode).toBe(201);
    const commitmentId = proposed.json().id as string;

    // The server span continues the caller's trace (W3C traceparent) and names the route, not the URL.
    const server = await spanWhere(exporter, (s) => s.name === 'POST /commitments');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.spanContext().traceId).toBe(traceId);
    expect(parentOf(server)).toBe(callerSpan);
    expect(server.attributes['http.route']).toBe('/commitments');
    expect(server.attributes['http.response.status_code']).toBe(201);

    const command = await spanWhere(exporter, (s) => s.name === 'command ProposeCommitment');
    const append = await spanWhere(
      exporter,
      (s) => s.name === 'append' && s.attributes['accord.stream'] === `commitment-${commitmentId}`,
    );
    expect(command.spanContext().traceId).toBe(traceId);
    expect(parentOf(command)).toBe(server.spanContext().spanId);
    expect(append.spanContext().traceId).toBe(traceId);
    expect(parentOf(append)).toBe(command.spanContext().spanId);
    expect(command.attributes).toMatchObject({
      'accord.command.type': 'ProposeCommitment',
      'accord.stream': `commitment-${commitmentId}`,
      'accord.command.outcome': 'acknowledged',
    });
    expect(append.attributes).toMatchObject({ 'accord.store.kind': KIND, 'accord.events': 1 });

    // The attributes are the appended events' own metadata (read back from the store).
    const events = (await t.log()).filter((e) => e.streamId === `commitment-${commitmentId}`);
    expect(events).toHaveLength(1);
    const { correlationId, causationId } = events[0].metadata as { correlationId: string; causationId: string };
    expect(correlationId).toBe('trace-test-1');
    for (const span of [command, append]) {
      expect(span.attributes['accord.correlation_id']).toBe(correlationId);
      expect(span.attributes['accord.causation_id']).toBe(causationId);
    }
    expect(append.attributes['accord.position']).toBe(events[0].position);

    // The read models' batch that applied it names the same correlation id and the positions.
    const batch = await spanWhere(
      exporter,
      (s) =>
        s.name === 'projection batch' &&
        ((s.attributes['accord.correlation_ids'] as string[] | undefined) ?? []).includes(correlationId),
    );
    expect(batch.attributes['accord.projections']).toEqual(expect.arrayContaining(['commitments']));
    expect(batch.attributes['accord.position.after']).toBeLessThan(events[0].position);
    expect(batch.attributes['accord.position.last']).toBeGreaterThanOrEqual(events[0].position);
    expect(batch.attributes['accord.events']).toBeGreaterThanOrEqual(1);
  });

  it('starts a trace of its own without traceparent, and records a refusal and a conflict as outcomes', async () => {
    const proposed = await t.post(
      '/commitments',
      {
        agreementId,
        title: 'Border data exchange',
        description: 'Passenger data.',
        domain: 'border security',
        leadAgencies: ['DGSN'],
      },
      ma,
    );
    expect(proposed.statusCode).toBe(201);
    const id = proposed.json().id as string;
    exporter.reset();
    expect((await t.post(`/commitments/${id}/start`, {}, ma)).statusCode).toBe(422);
    const refused = await spanWhere(exporter, (s) => s.name === 'command StartCommitment');
    const server = await spanWhere(exporter, (s) => s.name === 'POST /commitments/:id/start');
    expect(parentOf(server)).toBeUndefined();
    expect(parentOf(refused)).toBe(server.spanContext().spanId);
    expect(refused.attributes['accord.command.outcome']).toBe('refused');
    expect(server.attributes['http.response.status_code']).toBe(422);
    // A refusal appends nothing.
    expect(exporter.getFinishedSpans().filter((s) => s.name === 'append')).toHaveLength(0);

    expect((await t.post(`/commitments/${id}/revise`, { title: 'Data' }, ma, { 'if-match': '"5"' })).statusCode).toBe(
      412,
    );
    const conflict = await spanWhere(exporter, (s) => s.name === 'command ReviseCommitment');
    expect(conflict.attributes).toMatchObject({
      'accord.command.outcome': 'conflict',
      'accord.problem.code': 'WRONG_EXPECTED_REVISION',
    });
  });
});

describe(`tracing off (real app, ${STORE})`, () => {
  it('makes no spans, and the store is the adapter itself, not a traced wrapper', async () => {
    const exporter = new InMemorySpanExporter();
    configureTracing({ exporter, simple: true });
    await disableTracing();
    expect(tracingEnabled()).toBe(false);
    const t = await startTestApp();
    try {
      const secretariat = await t.createKey('secretariat');
      expect(
        (
          await t.post('/agreements', MOROCCO_QATAR, secretariat, {
            traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
          })
        ).statusCode,
      ).toBe(201);
      expect(types.isProxy(t.store)).toBe(false);
      expect(exporter.getFinishedSpans()).toHaveLength(0);
    } finally {
      await t.close();
    }
  });
});
