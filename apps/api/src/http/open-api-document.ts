import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ProblemDetails } from './problem';

/**
 * The OpenAPI document of the API, built from the controllers' decorators. It is the contract
 * integrators generate clients from: `npm test` lints it and validates every end-to-end answer
 * against it (docs/testing.md).
 */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
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
}
