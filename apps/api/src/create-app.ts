import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOverrides } from './app.module';
import type { ApiConfig } from './config/api-config';
import { checkBodyValue, checkJsonShape, type ShapeViolation } from './http/body-shape';
import { ProblemDetails, ProblemException } from './http/problem';

/** Request bodies above this are refused with 413 PAYLOAD_TOO_LARGE (documented in the README). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const draining = new WeakSet<object>();

/** Marks the app as stopping: responses from now on close their connection. */
export function beginDrain(app: NestFastifyApplication): void {
  draining.add(app.getHttpAdapter().getInstance());
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
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { clock: options.clock }),
    adapter,
    {
      // Nest's own parsers would take application/x-www-form-urlencoded too.
      bodyParser: false,
      bufferLogs: true,
      logger: options.logger === false ? false : undefined,
    },
  );
  if (options.logger !== false) app.useLogger(app.get(Logger));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('accord')
      .setDescription(
        'Commands and queries for the commitments made under a cooperation agreement and their review by its mixed committee. ' +
          'Every error is application/problem+json with a stable `code`.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        description: 'An API key from POST /admin/keys or `accord keys create`',
      })
      .build(),
    { extraModels: [ProblemDetails] },
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
