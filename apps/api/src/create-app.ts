import { connect, Server, type Socket } from 'node:net';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOverrides } from './app.module';
import type { ApiConfig } from './infrastructure/api-config';
import { serveConsole } from './http/console';
import { acceptEvidenceBodies, DEFAULT_EVIDENCE_MAX_BYTES } from './evidence/evidence-body';
import { checkBodyValue, checkJsonShape, type ShapeViolation } from './http/body-shape';
import { trackRoutes } from './http/method-not-allowed';
import { buildOpenApiDocument } from './http/open-api-document';
import { ProblemException } from './http/problem';
import { RATE_LIMIT_HEADERS, registerRateLimit } from './http/rate-limit';
import { observeHttp, serveMetricsRoute } from './observability/http-observability';
import { Metrics } from './observability/metrics';
import { configureTracing, tracingEnabled } from './observability/tracing';

/** Request bodies above this are refused with 413 PAYLOAD_TOO_LARGE (documented in the README). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** While draining, a keep-alive connection with no request for this long is closed. */
export const DRAIN_IDLE_GRACE_MS = 1000;
/** While draining, connections still open after this long are closed whatever they do. */
export const DRAIN_TIMEOUT_MS = 10_000;

const draining = new WeakSet<object>();

/**
 * Stops taking requests and resolves once every connection has ended, answered: the
 * connections already waiting to be accepted are accepted, then the listener closes (new
 * connections are refused), then every request on an open connection is served and answered
 * with `Connection: close`, and a keep-alive connection still idle after the grace is closed.
 * Closing the listener at once would reset the connections queued behind it (Node accepts
 * one a loop turn, so under load many wait), and closing idle connections at once (as
 * http.Server#close does) would reset a request a client has just sent on one.
 */
export async function drain(
  app: NestFastifyApplication,
  { idleGraceMs = DRAIN_IDLE_GRACE_MS, timeoutMs = DRAIN_TIMEOUT_MS } = {},
): Promise<{ forced: boolean }> {
  const fastify = app.getHttpAdapter().getInstance();
  const server = fastify.server;
  if (!server.listening) return { forced: false };
  let forced = false;
  let idle: NodeJS.Timeout | undefined;
  const force = setTimeout(() => {
    forced = true;
    server.closeAllConnections();
  }, timeoutMs);
  try {
    await new Promise<void>((ended) => {
      afterQueuedConnections(server, timeoutMs, () => {
        // net.Server#close: stop listening, call back once the last connection has ended.
        Server.prototype.close.call(server, () => ended());
        draining.add(fastify);
        // Streams that never end by themselves (the live feed) end now instead of at the timeout.
        server.emit('accord:draining');
        idle = setTimeout(() => server.closeIdleConnections(), idleGraceMs);
      });
    });
  } finally {
    clearTimeout(idle);
    clearTimeout(force);
  }
  return { forced };
}

/**
 * Calls `then` as soon as every connection already queued on the listener has been accepted:
 * the queue is first in, first out, so that is when a connection made to ourselves now is.
 * `then` runs synchronously there, before the next one is accepted. Without a listening
 * address to reach, or after `timeoutMs`, `then` runs anyway.
 */
function afterQueuedConnections(server: Server, timeoutMs: number, then: () => void): void {
  const address = server.address();
  if (typeof address !== 'object' || address === null) return then();
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const sentinel = connect({ host, port: address.port });
  let called = false;
  const done = () => {
    if (called) return;
    called = true;
    clearTimeout(timer);
    server.off('connection', onConnection);
    sentinel.destroy();
    then();
  };
  const onConnection = (socket: Socket) => {
    if (socket.remotePort !== sentinel.localPort || socket.remoteAddress !== sentinel.localAddress) return;
    socket.destroy();
    done();
  };
  const timer = setTimeout(done, timeoutMs);
  server.on('connection', onConnection);
  sentinel.on('error', done);
}

/**
 * Commands are JSON only (README, Limits): `application/json` and `application/*+json` are
 * parsed, anything else is 415 UNSUPPORTED_MEDIA_TYPE. A body over the shape limits is
 * 400 VALIDATION_FAILED before it is parsed, one that is not an object or holds text no store
 * can keep is 400 once parsed: either way before the validation pipe walks it.
 */
function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error') as (
    request: FastifyRequest,
    text: string,
    done: (error: Error | null, body?: unknown) => void,
  ) => void;
  fastify.removeAllContentTypeParsers();
  for (const type of ['application/json', /^application\/[a-z0-9!#$&^_.-]+\+json(?:;|$)/]) {
    fastify.addContentTypeParser<string>(
      type,
      { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
      (request, text, done) => {
        const refuse = ({ field, message }: ShapeViolation) =>
          done(new ProblemException(400, 'VALIDATION_FAILED', message, { errors: [{ field, messages: [message] }] }));
        const shape = checkJsonShape(text);
        if (shape) return refuse(shape);
        parseJson(request, text, (error, body) => {
          if (error) return done(error);
          const violation = checkBodyValue(body);
          return violation ? refuse(violation) : done(null, body);
        });
      },
    );
  }
}

/** Builds the application; main.ts listens with it, end-to-end tests inject requests into it. */
export async function createApp(
  config: ApiConfig,
  options: { logger?: boolean } & AppOverrides = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, forceCloseConnections: 'idle' });
  const fastify = adapter.getInstance();
  // While stopping, answer in-flight requests with `Connection: close`, so that keep-alive
  // sockets end with their last response and the server can finish closing.
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (draining.has(fastify)) void reply.header('connection', 'close');
    return payload;
  });
  acceptJsonBodiesOnly(fastify);
  acceptEvidenceBodies(fastify, config.evidenceMaxBytes ?? DEFAULT_EVIDENCE_MAX_BYTES);
  trackRoutes(fastify);
  // OTEL_EXPORTER_OTLP_ENDPOINT: traces on, before the store is opened (its appends are traced).
  const observability = config.observability;
  if (observability?.otlpEndpoint && !tracingEnabled()) {
    configureTracing({ endpoint: observability.otlpEndpoint, serviceName: observability.serviceName });
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { clock: options.clock, projections: options.projections }),
    adapter,
    {
      // Nest's own parsers would take application/x-www-form-urlencoded too.
      bodyParser: false,
      bufferLogs: true,
      logger: options.logger === false ? false : undefined,
    },
  );
  if (options.logger !== false) app.useLogger(app.get(Logger));
  // Request durations and server spans (each only when on), and /metrics behind its token.
  const metrics = app.get(Metrics);
  observeHttp(fastify, metrics);
  if (observability?.metricsToken) serveMetricsRoute(fastify, metrics, observability.metricsToken);
  // Answers are compressed for a client that accepts it; zlib works on libuv's threads, not
  // the request thread. gzip and deflate only: brotli at its default quality costs more CPU
  // than a JSON answer is worth. Level 3, not zlib's 6: on a long stream's state (777 KB of
  // JSON) it takes a third of the time (1.1 against 3.4 ms) for 2.7% more bytes (decision 0040).
  await app.register(compress, { encodings: ['gzip', 'deflate'], threshold: 1024, zlibOptions: { level: 3 } });
  // ACCORD_RATE_LIMIT: each API key's budget (off by default; http/rate-limit.ts).
  await registerRateLimit(app, config.rateLimit);
  // CORS is off unless origins are listed: the API is called by services, and by browsers
  // only from the origins an operator names.
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...config.corsOrigins],
      exposedHeaders: [
        'ETag',
        'Location',
        'Retry-After',
        'Idempotent-Replayed',
        'X-Correlation-Id',
        'Allow',
        ...RATE_LIMIT_HEADERS,
      ],
      maxAge: 600,
    });
  }

  const document = buildOpenApiDocument(app);
  // The JSON document is served here rather than by SwaggerModule: its async handler sends and
  // then resolves, which leaves a compressed (streamed) answer empty. The YAML one stays its.
  SwaggerModule.setup('docs', app, document, { raw: ['yaml'] });
  const json = JSON.stringify(document);
  fastify.get('/docs-json', (_request, reply) => {
    void reply.type('application/json; charset=utf-8').send(json);
  });
  await serveConsole(app);
  return app;
}
