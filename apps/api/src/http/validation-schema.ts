import { ApiProperty } from '@nestjs/swagger';
import { getMetadataStorage, IS_URL, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { defaultConverters } from 'class-validator-jsonschema/build/defaultConverters';

// class-transformer's @Type() records (nested DTOs), from the storage its decorators write to;
// the package exports it without a declaration of its own.
const { defaultMetadataStorage } =
  require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

/**
 * The OpenAPI document's limits come from the rules the API enforces: one source. Before the
 * document is built, the class-validator rules of every DTO are turned into JSON Schema by
 * class-validator-jsonschema and written onto the DTO's @nestjs/swagger property metadata
 * (what the @nestjs/swagger compiler plugin's class-validator shim does at build time, done
 * at start instead, because the build is swc). A DTO's @ApiProperty says what a field means
 * (description, example, default); maxLength, minItems, uniqueItems, format, enum, minimum,
 * required… are the validators'. A spec checks the two agree for every DTO.
 */

/** The keywords taken from the validators; the rest of a field's schema stays @ApiProperty's. */
const RULE_KEYWORDS = [
  'type',
  'format',
  'pattern',
  'enum',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'uniqueItems',
] as const;

/** The formats of our own validators (apps/api/src/http/dates.ts), by their names. */
const CUSTOM_FORMATS: Record<string, { type: 'string'; format: string }> = {
  isIsoDate: { type: 'string', format: 'date' },
  isInstant: { type: 'string', format: 'date-time' },
  isUtcInstant: { type: 'string', format: 'date-time' }, // sessions/session.dto.ts
};

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[]; items?: Schema };

const customConverter = defaultConverters[ValidationTypes.CUSTOM_VALIDATION] as (
  meta: ValidationMetadata,
  options: unknown,
) => Schema | undefined;

/** Every DTO's rules as JSON Schema, by class name. */
export function validationSchemas(): Record<string, Schema> {
  return validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: '#/components/schemas/',
    additionalConverters: {
      // `uri` is the JSON Schema and OpenAPI name of what class-validator-jsonschema calls `url`.
      [IS_URL]: { type: 'string', format: 'uri' },
      [ValidationTypes.CUSTOM_VALIDATION]: (meta: ValidationMetadata, options: unknown) => {
        const name = meta.constraintCls
          ? getMetadataStorage().getTargetValidatorConstraints(meta.constraintCls)[0]?.name
          : undefined;
        return (name && CUSTOM_FORMATS[name]) || customConverter(meta, options);
      },
    },
  }) as Record<string, Schema>;
}

const pickRules = (schema: Schema): Record<string, unknown> =>
  Object.fromEntries(RULE_KEYWORDS.filter((k) => schema[k] !== undefined).map((k) => [k, schema[k]]));

/** The classes class-validator holds rules for, by name. */
function validatedClasses(): Map<string, { prototype: object }> {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<unknown, ValidationMetadata[]> };
  const classes = new Map<string, { prototype: object }>();
  for (const target of storage.validationMetadatas.keys()) {
    if (typeof target === 'function') classes.set(target.name, target as { prototype: object });
  }
  return classes;
}

/** Writes every DTO's validator rules onto its OpenAPI property metadata (idempotent). */
export function describeValidationRules(): void {
  const classes = validatedClasses();
  for (const [name, schema] of Object.entries(validationSchemas())) {
    const target = classes.get(name);
    if (!target || !schema.properties) continue;
    for (const [property, rules] of Object.entries(schema.properties)) {
      const picked = pickRules(rules);
      const items = rules.items && rules.items.$ref === undefined ? pickRules(rules.items) : undefined;
      // An array's element type is @ApiProperty's (`type: [Dto]`); its item limits are the validators'.
      if (picked.type === 'array') delete picked.type;
      ApiProperty({
        ...picked,
        ...(items && Object.keys(items).length > 0 ? { items } : {}),
        required: schema.required?.includes(property) ?? false,
      } as Parameters<typeof ApiProperty>[0])(target.prototype, property);
    }
  }
}
