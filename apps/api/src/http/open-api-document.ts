import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { ParameterObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ProblemDetails } from './problem';
import { UuidPipe } from './uuid';
import { describeValidationRules } from './validation-schema';

/** The document's tags, each with what its operations are for (Spectral and Redocly want them all defined). */
export const OPEN_API_TAGS: Record<string, string> = {
  health: 'Liveness and readiness, for load balancers: no key needed',
  agreements: 'Register a cooperation agreement and amend its domains (secretariat)',
  commitments: 'The commands a party sends about its own commitments',
  sessions: "The mixed committee's sessions: schedule, agenda, open, positions, close; the minutes' approval",
  evidence: 'Evidence files, stored and served by the SHA-256 of their bytes, so events can name the document itself',
  queries:
    'Reads from the read models and the log, for every role (minutes, results report, open data); pass a command\u2019s position as ?after= to read your write',
  audit: 'The log itself and states replayed from it (auditor and admin)',
  auth: 'Who the calling key is: its name, role and party (any key)',
  admin: 'API keys (admin)',
  projections: 'Read models: their progress, skips and rebuilds',
  webhooks: 'Webhook subscriptions: matching events pushed in log order, signed (Standard Webhooks), as CloudEvents',
  events: 'The log followed live as Server-Sent Events, filtered, resumable with Last-Event-ID (every role)',
};

/**
 * The OpenAPI document of the API, built from the controllers' decorators. It is the contract
 * integrators generate clients from: `npm test` lints it and validates every end-to-end answer
 * against it (docs/testing.md).
 */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  describeValidationRules();
  const builder = new DocumentBuilder()
    .setTitle('accord')
    .setDescription(
      'Commands and queries for the commitments made under a cooperation agreement and their review by its mixed committee. ' +
        'Every error is application/problem+json (RFC 9457) with a stable `code`.',
    )
    .setVersion('0.1.0')
    .addServer('/', 'The server that serves this document')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'An API key from POST /admin/keys or `accord keys create` (an opaque key, not a JWT)',
    });
  for (const [name, description] of Object.entries(OPEN_API_TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [ProblemDetails] });
  // accord is private (package.json: UNLICENSED): a license name and no text to link to.
  document.info.license = {
    name: 'UNLICENSED: private to the parties of the agreement',
  } as OpenAPIObject['info']['license'];
  describePathIds(app, document);
  nullableReferences(document);
  return document;
}

type SchemaNode = Record<string, unknown>;

/**
 * `@ApiProperty({ type: Dto, nullable: true })` comes out as `{nullable, type: object, allOf:
 * [{$ref}]}`, which a validator reads as "an object that is a Dto": null fails the allOf. An
 * OpenAPI 3.0 way to say "a Dto or null" that validators and generators agree on is
 * `anyOf: [{$ref}, {type: object, nullable: true, enum: [null]}]`; every such property is rewritten to it.
 */
function nullableReferences(document: OpenAPIObject): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const schema = node as SchemaNode;
    const allOf = schema.allOf as SchemaNode[] | undefined;
    if (schema.nullable === true && allOf?.length === 1 && typeof allOf[0].$ref === 'string') {
      delete schema.allOf;
      delete schema.nullable;
      delete schema.type;
      schema.anyOf = [allOf[0], { type: 'object', nullable: true, enum: [null] }];
    }
    Object.values(schema).forEach(visit);
  };
  visit(document.components);
  visit(document.paths);
}

/**
 * Path parameters that go through the UUID pipe are `format: uuid` in the document: read from
 * the routes' own parameter metadata, so the document says what the pipe enforces.
 */
function describePathIds(app: NestFastifyApplication, document: OpenAPIObject): void {
  const uuidParams = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      for (const method of Object.getOwnPropertyNames(metatype.prototype)) {
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, metatype, method) ?? {}) as Record<
          string,
          { data?: unknown; pipes?: unknown[] }
        >;
        for (const [key, arg] of Object.entries(args)) {
          if (Number(key.split(':')[0]) !== RouteParamtypes.PARAM) continue;
          if (arg.pipes?.some((pipe) => pipe instanceof UuidPipe))
            uuidParams.add(`${metatype.name}_${method}:${arg.data}`);
        }
      }
    }
  }
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations)) {
      if (typeof operation !== 'object' || operation === null || !('operationId' in operation)) continue;
      for (const parameter of (operation.parameters ?? []) as ParameterObject[]) {
        if (parameter.in === 'path' && uuidParams.has(`${operation.operationId}:${parameter.name}`)) {
          parameter.schema = { type: 'string', format: 'uuid' };
        }
      }
    }
  }
}
