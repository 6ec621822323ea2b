import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ApiKeyError, ApiKeys, LastAdminKeyError, type KeyStatus, type KeyView } from '../auth/api-keys.service';
import { Roles } from '../auth/auth.decorators';
import { ROLES, type Role } from '../auth/principal';
import { ApiCommonErrors, ApiProblem } from '../http/api-docs.decorators';
import { IsInstant } from '../http/dates';
import { ProblemException } from '../http/problem';

export class CreateKeyDto {
  @ApiProperty({ example: 'MA ministry integration' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({ example: 'MA', description: 'Required for integration and delegate keys; refused for others' })
  @IsOptional()
  @Matches(/^[A-Z]{2,10}$/, { message: 'party must be 2 to 10 upper-case letters' })
  party?: string;

  @ApiPropertyOptional({
    example: '2027-01-31T12:00:00Z',
    description:
      'An instant in the future (with its offset) after which the key is refused; without it, it never expires',
  })
  @IsOptional()
  @IsInstant()
  @MaxLength(40)
  expiresAt?: string;
}

export class CreatedKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Shown once; only its hash is kept' }) key!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
}

const STATUSES: KeyStatus[] = ['active', 'expired', 'revoked'];

export class KeyDto implements KeyView {
  @ApiProperty({ description: 'A UUID (the admin key of a database from before key rotation: "admin")' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ type: String, nullable: true, example: 'MA' }) party!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The last authenticated request, to the minute (written at most once a minute)',
  })
  lastUsedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({ enum: STATUSES }) status!: KeyStatus;
}

export class KeyListDto {
  @ApiProperty({ type: [KeyDto] }) items!: KeyDto[];
}

@ApiTags('admin')
@Controller('admin/keys')
@Roles('admin')
@ApiCommonErrors()
export class AdminKeysController {
  constructor(@Inject(ApiKeys) private readonly keys: ApiKeys) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Issue an API key',
    description:
      'Issue an API key for a principal of a role (a party for integration and delegate keys), optionally expiring ' +
      '(admin only). The secret is in this answer only: the store keeps its hash.',
  })
  @ApiCreatedResponse({ type: CreatedKeyDto })
  async create(@Body() body: CreateKeyDto): Promise<CreatedKeyDto> {
    try {
      const { id, key, expiresAt } = await this.keys.create({
        name: body.name,
        role: body.role,
        party: body.party,
        expiresAt: body.expiresAt,
      });
      return { id, key, expiresAt };
    } catch (error) {
      if (error instanceof ApiKeyError) {
        throw new ProblemException(400, 'VALIDATION_FAILED', error.message, {
          errors: [{ field: error.field, messages: [error.message] }],
        });
      }
      throw error;
    }
  }

  @Get()
  @ApiOperation({
    summary: 'List the API keys',
    description: 'Every key, revoked and expired ones included, oldest first; never a secret (admin only).',
  })
  @ApiOkResponse({ type: KeyListDto })
  async list(): Promise<KeyListDto> {
    return { items: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revoke an API key',
    description:
      'Revoke a key: every instance refuses it within 2 s. Revoking it again changes nothing; ' +
      'the last active admin key cannot be revoked (409) (admin only).',
  })
  @ApiOkResponse({ type: KeyDto, description: 'The key, revoked' })
  @ApiProblem(404, 'NOT_FOUND: no such key')
  @ApiProblem(409, 'CONFLICT: the last active admin key cannot be revoked')
  async revoke(@Param('id') id: string): Promise<KeyDto> {
    try {
      const revoked = await this.keys.revoke(id);
      if (!revoked) throw new ProblemException(404, 'NOT_FOUND', `No API key ${id}`);
      return revoked;
    } catch (error) {
      if (error instanceof LastAdminKeyError) throw new ProblemException(409, 'CONFLICT', error.message);
      throw error;
    }
  }
}
