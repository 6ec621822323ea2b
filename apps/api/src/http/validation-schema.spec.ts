import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { createApp } from '../create-app';
import { readApiConfig } from '../infrastructure/api-config';
import { buildOpenApiDocument } from './open-api-document';
import { validationSchemas } from './validation-schema';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[]; items?: Schema };

/** The keywords the document must take from the validators, and nowhere else. */
const RULES = [
  'format',
  'pattern',
  'enum',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'uniqueItems',
];
const rulesOf = (schema: Schema | undefined) =>
  Object.fromEntries(RULES.filter((k) => schema?.[k] !== undefined).map((k) => [k, schema![k]]));

describe('the OpenAPI document takes its limits from the class-validator rules (one source)', () => {
  let app: NestFastifyApplication;
  let document: OpenAPIObject;

  beforeAll(async () => {
    const config = readApiConfig({
      ACCORD_STORE: 'memory:',
      ACCORD_WORKERS: 'off',
      ACCORD_ADMIN_KEY: 'validation-schema-spec-0123456789',
      LOG_LEVEL: 'silent',
    });
    app = await createApp(config, { logger: false });
    document = buildOpenApiDocument(app);
  });
  afterAll(() => app.close());

  /** Every place a DTO's fields appear in the document: its component, or the query parameters of the routes taking it. */
  function documentedFields(name: string): Map<string, { schema: Schema; required: boolean }> | undefined {
    const component = document.components?.schemas?.[name] as Schema | undefined;
    if (component?.properties) {
      return new Map(
        Object.entries(component.properties).map(([field, schema]) => [
          field,
          { schema, required: component.required?.includes(field) ?? false },
        ]),
      );
    }
    return undefined;
  }

  it('writes every rule of every body DTO into its component schema: limits, formats, enums and which fields are required', () => {
    const schemas = validationSchemas();
    let compared = 0;
    for (const [name, rules] of Object.entries(schemas)) {
      const fields = documentedFields(name);
      if (!fields) continue; // a query DTO: its fields are parameters (next spec)
      for (const [field, fieldRules] of Object.entries(rules.properties ?? {})) {
        const documented = fields.get(field);
        expect({ name, field, present: documented !== undefined }).toEqual({ name, field, present: true });
        expect({ name, field, rules: rulesOf(documented!.schema) }).toEqual({
          name,
          field,
          rules: rulesOf(fieldRules),
        });
        if (fieldRules.items && !fieldRules.items.$ref) {
          expect({ name, field, items: rulesOf(documented!.schema.items) }).toEqual({
            name,
            field,
            items: rulesOf(fieldRules.items),
          });
        }
        expect({ name, field, required: documented!.required }).toEqual({
          name,
          field,
          required: rules.required?.includes(field) ?? false,
        });
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('writes the rules of the query DTOs into the query parameters', () => {
    const parameters = (document.paths['/commitments'].get!.parameters ?? []) as unknown as Schema[];
    const byName = new Map(parameters.filter((p) => p.in === 'query').map((p) => [p.name as string, p]));
    const limit = byName.get('limit')!.schema as Schema;
    expect(limit).toMatchObject({ type: 'integer', minimum: 1 });
    expect(byName.get('dueBefore')!.schema).toMatchObject({ type: 'string', format: 'date' });
    const asOf = (document.paths['/commitments/{id}/state'].get!.parameters as unknown as Schema[]).find(
      (p) => p.name === 'asOf',
    )!;
    expect(asOf.schema).toMatchObject({ type: 'string', format: 'date-time' });
    expect(byName.get('agreementId')!.schema).toMatchObject({ type: 'string', format: 'uuid' });
    expect((byName.get('status')!.schema as Schema).enum).toEqual(expect.arrayContaining(['proposed', 'closed']));
  });

  it('says ReviseCommitmentDto.dueDate is a date string or null, and path ids that go through the UUID pipe are uuids', () => {
    const revise = document.components!.schemas!.ReviseCommitmentDto as Schema;
    expect(revise.properties!.dueDate).toMatchObject({ type: 'string', format: 'date', nullable: true });
    const start = document.paths['/commitments/{id}/start'].post!;
    const pathParameters = (operation: { parameters?: unknown[] }) =>
      ((operation.parameters ?? []) as Schema[]).filter((p) => p.in === 'path');
    expect(pathParameters(start)).toEqual([
      expect.objectContaining({ name: 'id', schema: { type: 'string', format: 'uuid' } }),
    ]);
    const skip = document.paths['/admin/projections/{name}/skip'].post!;
    expect(pathParameters(skip)).toEqual([expect.objectContaining({ name: 'name', schema: { type: 'string' } })]);
  });

  it('follows a rule changed in the validator: the document cannot keep a stale copy', () => {
    class ProbeDto {
      @ApiProperty({ description: 'a probe' })
      @IsOptional()
      @IsString()
      @MaxLength(7)
      probe?: string;
    }
    const probe = validationSchemas().ProbeDto;
    expect(probe.properties!.probe).toMatchObject({ type: 'string', maxLength: 7 });
    expect(probe.required ?? []).not.toContain('probe');
    expect(ProbeDto.name).toBe('ProbeDto');
  });
});
