import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOverrides } from './app.module';
import type { ApiConfig } from './config/api-config';
import { ProblemDetails } from './http/problem';

/** Request bodies above this are refused with 413 PAYLOAD_TOO_LARGE (documented in the README). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const draining = new WeakSet<object>();

/** Marks the app as stopping: responses from now on close their connection. */
export function beginDrain(app: NestFastifyApplication): void {
  draining.add(app.getHttpAdapter().getInstance());
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
  // Commands are JSON only: anything else is 415 UNSUPPORTED_MEDIA_TYPE, not parsed as text.
  fastify.removeContentTypeParser(['text/plain']);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { clock: options.clock }),
    adapter,
    {
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
