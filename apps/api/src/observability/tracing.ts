import {
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';

/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test calls
 * configureTracing). The spans come from @opentelemetry/api's tracer, a no-op while no
 * provider is registered, so the code paths are the same on and off; what only a recording
 * span needs (attributes read from events) is guarded by `tracingEnabled()`.
 *
 * Spans: `<METHOD> <route>` per HTTP request (server), `command <Type>` per command,
 * `append` per append to the store, `projection batch` per batch the read models apply.
 * Commands and appends carry the events' correlation and causation ids (never written into
 * the events: their metadata is hashed), so a trace can be joined to the log.
 */

export const ATTR = {
  commandType: 'accord.command.type',
  commandId: 'accord.command.id',
  stream: 'accord.stream',
  outcome: 'accord.command.outcome',
  problemCode: 'accord.problem.code',
  revision: 'accord.revision',
  position: 'accord.position',
  correlationId: 'accord.correlation_id',
  causationId: 'accord.causation_id',
  storeKind: 'accord.store.kind',
  events: 'accord.events',
  projections: 'accord.projections',
  fromPosition: 'accord.position.after',
  toPosition: 'accord.position.last',
  correlationIds: 'accord.correlation_ids',
} as const;

const NOOP_TRACER = trace.getTracer('accord');
let tracer: Tracer = NOOP_TRACER;
let provider: NodeTracerProvider | undefined;

export interface TracingOptions {
  /** Where spans go: an OTLP HTTP exporter to `endpoint` by default. */
  readonly exporter?: SpanExporter;
  /** The OTLP endpoint's base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans are posted to <endpoint>/v1/traces. */
  readonly endpoint?: string;
  /** Spans handed over one at a time, as they end (tests), rather than in batches. */
  readonly simple?: boolean;
  /** `service.name`: OTEL_SERVICE_NAME, else accord. */
  readonly serviceName?: string;
}

/**
 * Registers a NodeTracerProvider for the process (AsyncLocalStorage context, W3C trace
 * context propagation). Called by createApp when OTEL_EXPORTER_OTLP_ENDPOINT is set; a test
 * calls it with an InMemorySpanExporter. A second call replaces the first.
 */
export function configureTracing(options: TracingOptions = {}): void {
  if (provider) void disableTracing();
  const exporter =
    options.exporter ??
    new OTLPTraceExporter(options.endpoint ? { url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` } : {});
  const next = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'accord' }),
    spanProcessors: [options.simple ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  next.register();
  provider = next;
  tracer = next.getTracer('accord');
}

/** Flushes and unregisters the provider: tracing is off again (the tests' way back). */
export async function disableTracing(): Promise<void> {
  const current = provider;
  provider = undefined;
  tracer = NOOP_TRACER;
  trace.disable();
  context.disable();
  propagation.disable();
  await current?.shutdown();
}

/** Sends the spans still buffered (BatchSpanProcessor) before the process stops. */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/** The context of an incoming request: its `traceparent` (W3C) when it sends one. */
export function requestContext(headers: Record<string, unknown>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** A server span for an HTTP request, child of the caller's trace when it sent traceparent. */
export function startServerSpan(method: string, route: string, path: string, parent: Context): Span {
  return tracer.startSpan(
    `${method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': method, 'http.route': route, 'url.path': path },
    },
    parent,
  );
}

export function endServerSpan(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

const COMMAND_TYPE = createContextKey('accord.command.type');
const COMMAND_SPAN = createContextKey('accord.command.span');

/** Runs `work` with the command's type known to the runner's span (the gateway knows it first). */
export function withCommandType<T>(type: string, work: () => T): T {
  if (!provider) return work();
  return context.with(context.active().setValue(COMMAND_TYPE, type), work);
}

interface CommandMetaLike {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
}

interface CommandResultLike {
  readonly revision: number;
  readonly position: number;
  readonly repeated: boolean;
}

/**
 * The span of one command on one stream, around the runner's read, decide and append:
 * its outcome is acknowledged, idempotent_replay, refused or conflict (as the metrics say).
 */
export async function traceCommand<R extends CommandResultLike>(
  streamId: string,
  meta: CommandMetaLike,
  classify: (error: unknown) => { outcome: string; code: string },
  work: () => Promise<R>,
): Promise<R> {
  if (!provider) return work();
  const type = context.active().getValue(COMMAND_TYPE) as string | undefined;
  const attributes: Attributes = {
    [ATTR.stream]: streamId,
    [ATTR.commandId]: meta.commandId,
    [ATTR.correlationId]: meta.correlationId,
    [ATTR.causationId]: meta.causationId,
    ...(type ? { [ATTR.commandType]: type } : {}),
  };
  return tracer.startActiveSpan(type ? `command ${type}` : 'command', { attributes }, async (span) => {
    try {
      return await context.with(context.active().setValue(COMMAND_SPAN, span), async () => {
        const result = await work();
        span.setAttributes({
          [ATTR.outcome]: result.repeated ? 'idempotent_replay' : 'acknowledged',
          [ATTR.revision]: result.revision,
          [ATTR.position]: result.position,
        });
        return result;
      });
    } catch (error) {
      const { outcome, code } = classify(error);
      span.setAttributes({ [ATTR.outcome]: outcome, [ATTR.problemCode]: code });
      if (outcome === 'failed') {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The command's type once the runner has built it (commands the workers send pass no gateway). */
export function noteCommandType(command: unknown): void {
  if (!provider) return;
  const span = context.active().getValue(COMMAND_SPAN) as Span | undefined;
  const type = (command as { type?: unknown } | null)?.type;
  if (!span || typeof type !== 'string' || context.active().getValue(COMMAND_TYPE)) return;
  span.setAttribute(ATTR.commandType, type);
  span.updateName(`command ${type}`);
}

interface EventLike {
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly position?: number;
}

/** An append's span: store kind, stream, events, and the correlation and causation ids they carry. */
export async function traceAppend<R extends { position: number; revision: number; idempotent: boolean }>(
  storeKind: string,
  streamId: string,
  events: readonly EventLike[],
  work: () => Promise<R>,
): Promise<R> {
  if (!provider) return work();
  const metadata = events[0]?.metadata ?? {};
  const attributes: Attributes = { [ATTR.storeKind]: storeKind, [ATTR.stream]: streamId, [ATTR.events]: events.length };
  if (typeof metadata.correlationId === 'string') attributes[ATTR.correlationId] = metadata.correlationId;
  if (typeof metadata.causationId === 'string') attributes[ATTR.causationId] = metadata.causationId;
  return tracer.startActiveSpan('append', { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const result = await work();
      span.setAttributes({
        [ATTR.position]: result.position,
        [ATTR.revision]: result.revision,
        'accord.idempotent': result.idempotent,
      });
      return result;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** At most this many distinct correlation ids on a batch's span (a rebuild's batch has thousands). */
const MAX_BATCH_CORRELATIONS = 64;

/** A projection batch's span: which projections, how many events, the positions, the correlation ids. */
export async function traceProjectionBatch<R>(
  batch: { role: string; projections: readonly string[]; events: readonly EventLike[]; after: number },
  work: () => Promise<R>,
): Promise<R> {
  if (!provider) return work();
  const correlations = new Set<string>();
  for (const event of batch.events) {
    const id = event.metadata?.correlationId;
    if (typeof id === 'string') correlations.add(id);
    if (correlations.size >= MAX_BATCH_CORRELATIONS) break;
  }
  const attributes: Attributes = {
    'accord.projection.role': batch.role,
    [ATTR.projections]: [...batch.projections],
    [ATTR.events]: batch.events.length,
    [ATTR.fromPosition]: batch.after,
    [ATTR.toPosition]: batch.events[batch.events.length - 1]?.position ?? batch.after,
    [ATTR.correlationIds]: [...correlations],
  };
  // A root span of its own: the batch runs on the workers' loop, in no request's context.
  return tracer.startActiveSpan('projection batch', { attributes, root: true }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}
